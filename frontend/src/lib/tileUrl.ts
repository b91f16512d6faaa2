/**
 * Tile URL building. The backend hands out ready-made templates (`/api/layers`); the map only
 * changes render parameters (colormap, rescale, algorithm) and adds the tiler access token, so the
 * legend, the tiles and the point read-out always come from the same collection item.
 */

export type Params = Record<string, string | string[] | undefined | null>;

/** Split a template into path and query without touching `{z}/{x}/{y}` placeholders. */
function split(template: string): [string, URLSearchParams] {
  const q = template.indexOf("?");
  if (q < 0) return [template, new URLSearchParams()];
  return [template.slice(0, q), new URLSearchParams(template.slice(q + 1))];
}

function join(path: string, params: URLSearchParams): string {
  const query = params.toString().replace(/%2C/gi, ",");
  return query ? `${path}?${query}` : path;
}

/** Replace (or with `null`, drop) query parameters of a URL template. */
export function withParams(template: string, changes: Params): string {
  const [path, params] = split(template);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    params.delete(key);
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  return join(path, params);
}

export function getParam(template: string, key: string): string | null {
  return split(template)[1].get(key);
}

/** Raster tiles with a user-chosen colormap and value range. */
export function rasterTemplate(template: string, colormap?: string | null, rescale?: [number, number] | null): string {
  return withParams(template, {
    colormap_name: colormap ?? undefined,
    rescale: rescale ? `${rescale[0]},${rescale[1]}` : undefined,
  });
}

/**
 * The same item through a titiler algorithm (`hillshade`, `terrarium`): render parameters that
 * would recolour the algorithm's output are dropped. Elevations are resampled cubically: past the
 * grid's own resolution nearest-neighbour repeats pixels, which a hillshade draws as a grid of
 * steps and 3D terrain as terraces, and bilinear still leaves one flat facet per grid cell.
 */
export function algorithmTemplate(template: string, algorithm: "hillshade" | "terrarium", extra: Params = {}): string {
  return withParams(template, {
    colormap_name: null, rescale: null, colormap: null, algorithm,
    resampling: "cubic", reproject: "cubic", ...extra,
  });
}

/** `/tiles/collections/{c}/items/{i}` from any tile template of that item. */
export function itemPrefix(template: string): string | null {
  const [path] = split(template);
  const m = path.match(/^(.*\/collections\/[^/]+\/items\/[^/]+)\//);
  return m ? m[1] : null;
}

/** The tiler's point read-out (`value at lon,lat`) for the item behind a raster template. */
export function pointUrl(template: string, lon: number, lat: number): string | null {
  const prefix = itemPrefix(template);
  if (!prefix) return null;
  return `${prefix}/point/${lon.toFixed(6)},${lat.toFixed(6)}?assets=data`;
}

export function legendUrl(colormap: string, rescale?: [number, number] | null): string {
  const params = new URLSearchParams({ colormap_name: colormap });
  if (rescale) params.set("rescale", `${rescale[0]},${rescale[1]}`);
  return `/tiles/legend?${params.toString().replace(/%2C/gi, ",")}`;
}

/** True for URLs served by the tiler (relative `/tiles/…` or absolute on this origin). */
export function isTilerUrl(url: string, origin?: string): boolean {
  if (url.startsWith("/tiles/")) return true;
  if (origin && url.startsWith(`${origin}/tiles/`)) return true;
  return false;
}

/** Adds `access_token` to tiler URLs only: the token must never travel to another host. */
export function withToken(url: string, token: string | null | undefined, origin?: string): string {
  if (!token || !isTilerUrl(url, origin)) return url;
  return withParams(url, { access_token: token });
}

/** Resolve a relative URL against the page origin: MapLibre's workers need absolute URLs. */
export function absolute(url: string, origin: string): string {
  return url.startsWith("/") ? `${origin}${url}` : url;
}
