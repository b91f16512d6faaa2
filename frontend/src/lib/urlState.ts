/**
 * Shareable view state in the URL hash:
 *   #map=<zoom>/<lat>/<lon>/<bearing>/<pitch>&layers=<id>~<opacity>,...&mode=2d|3d&exag=<n>&style=<id>~<cmap>~<min>,<max>;...
 * `layers` lists visible layers top first (draw order). Layer ids are STAC collection ids
 * (letters, digits, `-`, `_`, `.`), so `~`, `,` and `;` never occur in them; they are
 * URI-encoded anyway.
 */

export interface LayerState {
  id: string;
  opacity: number;
}

export interface StyleOverride {
  colormap?: string;
  rescale?: [number, number];
}

export interface ViewState {
  zoom: number;
  center: [number, number]; // lon, lat
  bearing: number;
  pitch: number;
  layers: LayerState[] | null; // null: not in the URL, use defaults
  mode: "2d" | "3d";
  exaggeration: number;
  styles: Record<string, StyleOverride>;
}

export const DEFAULT_VIEW: ViewState = {
  zoom: 10,
  center: [-8.1, 50.3],
  bearing: 0,
  pitch: 0,
  layers: null,
  mode: "2d",
  exaggeration: 5,
  styles: {},
};

const round = (v: number, digits: number) => Number(v.toFixed(digits));
/** encodeURIComponent leaves `~` alone, but it separates fields here. */
const enc = (s: string) => encodeURIComponent(s).replace(/~/g, "%7E");

export function encodeState(s: ViewState): string {
  const parts = [
    `map=${round(s.zoom, 2)}/${round(s.center[1], 5)}/${round(s.center[0], 5)}/${round(s.bearing, 1)}/${round(s.pitch, 1)}`,
  ];
  if (s.layers) parts.push(`layers=${s.layers.map((l) => `${enc(l.id)}~${round(l.opacity, 2)}`).join(",")}`);
  parts.push(`mode=${s.mode}`);
  if (s.mode === "3d" || s.exaggeration !== DEFAULT_VIEW.exaggeration) parts.push(`exag=${round(s.exaggeration, 2)}`);
  const styles = Object.entries(s.styles)
    .filter(([, o]) => o.colormap || o.rescale)
    .map(([id, o]) => `${enc(id)}~${o.colormap ?? ""}~${o.rescale ? o.rescale.join(",") : ""}`);
  if (styles.length) parts.push(`style=${styles.join(";")}`);
  return `#${parts.join("&")}`;
}

function num(text: string | undefined, fallback: number, lo = -Infinity, hi = Infinity): number {
  const v = Number(text);
  return text !== undefined && text !== "" && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
}

/** Decode a hash; anything malformed falls back to the default for that field, never throws. */
export function decodeState(hash: string): ViewState {
  const state: ViewState = { ...DEFAULT_VIEW, center: [...DEFAULT_VIEW.center], styles: {} };
  const params = new Map<string, string>();
  for (const part of hash.replace(/^#/, "").split("&")) {
    const eq = part.indexOf("=");
    if (eq > 0) params.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const map = params.get("map")?.split("/");
  if (map) {
    state.zoom = num(map[0], state.zoom, 0, 24);
    state.center = [num(map[2], state.center[0], -180, 180), num(map[1], state.center[1], -85, 85)];
    state.bearing = num(map[3], 0, -360, 360);
    state.pitch = num(map[4], 0, 0, 85);
  }
  const layers = params.get("layers");
  if (layers !== undefined) {
    state.layers = layers
      .split(",")
      .filter(Boolean)
      .map((entry) => {
        const [id, opacity] = entry.split("~");
        return { id: safeDecode(id), opacity: num(opacity, 1, 0, 1) };
      })
      .filter((l) => l.id);
  }
  if (params.get("mode") === "3d") state.mode = "3d";
  state.exaggeration = num(params.get("exag"), DEFAULT_VIEW.exaggeration, 0.1, 50);
  for (const entry of (params.get("style") ?? "").split(";").filter(Boolean)) {
    const [id, colormap, rescale] = entry.split("~");
    const override: StyleOverride = {};
    if (colormap) override.colormap = colormap;
    const r = (rescale ?? "").split(",").map(Number);
    if (r.length === 2 && r.every(Number.isFinite) && r[0] < r[1]) override.rescale = [r[0], r[1]];
    if (id && (override.colormap || override.rescale)) state.styles[safeDecode(id)] = override;
  }
  return state;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
