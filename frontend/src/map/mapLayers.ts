/**
 * Putting `/api/layers` descriptors on a MapLibre map and keeping them in step with the panel:
 * visibility, opacity, colormap/rescale (by swapping tile URLs) and draw order.
 */
import type { FilterSpecification, Map as MlMap, ExpressionSpecification } from "maplibre-gl";
import type { LayerDescriptor } from "../api/types";
import type { LayerStack, LayerUi } from "../lib/layerModel";
import { classSwatches } from "../lib/legend";
import { absolute, rasterTemplate, withToken } from "../lib/tileUrl";

export const POINT_COLORS: Record<string, string> = { images: "#ffd54a", species: "#ff6f91" };

interface Created {
  layerIds: string[];
  sourceId: string;
  tilesKey: string;
}

export interface TileJson {
  vector_layers?: { id: string; fields?: Record<string, string> }[];
  minzoom?: number;
  maxzoom?: number;
}

/** Which attribute names a habitat class: the legend says so, else a likely-named field. */
export function classProperty(layer: LayerDescriptor, fields: Record<string, string>): string | null {
  const fromLegend = layer.legend?.classes?.find((c) => (c as Record<string, unknown>).field)?.["field" as keyof object];
  if (typeof fromLegend === "string") return fromLegend;
  const names = Object.keys(fields);
  const preferred = ["habitat", "class", "eunis", "biotope", "substratum", "name", "label"];
  for (const p of preferred) {
    const hit = names.find((n) => n.toLowerCase() === p) ?? names.find((n) => n.toLowerCase().includes(p));
    if (hit) return hit;
  }
  return names.find((n) => fields[n] === "String") ?? null;
}

export function fillColor(layer: LayerDescriptor, property: string | null): string | ExpressionSpecification {
  const swatches = classSwatches(layer.legend?.classes);
  if (layer.theme === "boundary") return "#ffffff";
  if (!property || swatches.length === 0) return "#4fc3a1";
  const match: unknown[] = ["match", ["to-string", ["get", property]]];
  for (const s of swatches) match.push(s.key, s.color);
  match.push("#9e9e9e");
  return match as ExpressionSpecification;
}

export function rasterTilesFor(layer: LayerDescriptor, ui: LayerUi, origin: string): string[] {
  return layer.tiles.map((t) => absolute(rasterTemplate(t, ui.colormap, ui.rescale), origin));
}

export class LayerSync {
  private created = new Map<string, Created>();
  private pending = new Set<string>();
  private tilejsonCache = new Map<string, Promise<TileJson>>();

  constructor(
    private map: MlMap,
    private origin: string,
    private getToken: () => string | null,
    private onError: (layerId: string, message: string) => void,
  ) {}

  /** All MapLibre layer ids that belong to our data layers (for click queries). */
  layerIdsOf(id: string): string[] {
    return this.created.get(id)?.layerIds ?? [];
  }

  has(id: string): boolean {
    return this.created.has(id);
  }

  sync(layers: LayerDescriptor[], stack: LayerStack, points: Record<string, GeoJSON.FeatureCollection | undefined>, onTop: string[]): void {
    const byId = new Map(layers.map((l) => [l.id, l]));
    for (const [id, c] of this.created) {
      const l = byId.get(id);
      if (!l || l.locked) this.remove(id, c);
    }
    for (const l of layers) {
      const ui = stack.ui[l.id];
      if (!ui || l.locked) continue;
      if (ui.visible && !this.created.has(l.id) && !this.pending.has(l.id)) this.create(l, ui, points, () => this.sync(layers, stack, points, onTop));
      const c = this.created.get(l.id);
      if (c) this.update(l, ui, c, points);
    }
    // Bottom first, each moved to the top: the result is `stack.order` top first.
    for (const id of [...stack.order].reverse()) {
      for (const lid of this.created.get(id)?.layerIds ?? []) if (this.map.getLayer(lid)) this.map.moveLayer(lid);
    }
    for (const lid of onTop) if (this.map.getLayer(lid)) this.map.moveLayer(lid);
  }

  private remove(id: string, c: Created) {
    for (const lid of c.layerIds) if (this.map.getLayer(lid)) this.map.removeLayer(lid);
    if (this.map.getSource(c.sourceId)) this.map.removeSource(c.sourceId);
    this.created.delete(id);
  }

  private tilejson(l: LayerDescriptor): Promise<TileJson> {
    const url = l.tilejson ?? "";
    let p = this.tilejsonCache.get(url);
    if (!p) {
      p = fetch(withToken(url, this.getToken())).then((r) => {
        if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
        return r.json() as Promise<TileJson>;
      });
      this.tilejsonCache.set(url, p);
      p.catch(() => this.tilejsonCache.delete(url));
    }
    return p;
  }

  private create(l: LayerDescriptor, ui: LayerUi, points: Record<string, GeoJSON.FeatureCollection | undefined>, again: () => void) {
    const sourceId = `src-${l.id}`;
    if (l.type === "raster") {
      const tiles = rasterTilesFor(l, ui, this.origin);
      this.map.addSource(sourceId, { type: "raster", tiles, tileSize: 256, minzoom: l.minzoom, maxzoom: l.maxzoom, bounds: bounds(l.bbox) });
      this.map.addLayer({ id: `lyr-${l.id}`, type: "raster", source: sourceId, paint: { "raster-opacity": ui.opacity, "raster-fade-duration": 0 } });
      this.created.set(l.id, { layerIds: [`lyr-${l.id}`], sourceId, tilesKey: tiles.join() });
    } else if (l.type === "points") {
      const data = points[l.id] ?? { type: "FeatureCollection", features: [] };
      this.map.addSource(sourceId, { type: "geojson", data });
      const color = POINT_COLORS[l.theme] ?? "#ffffff";
      const radius: ExpressionSpecification | number =
        l.kind === "table" ? ["interpolate", ["linear"], ["sqrt", ["coalesce", ["get", "individuals"], 0]], 0, 2.5, 10, 9] : 4;
      this.map.addLayer({
        id: `lyr-${l.id}-pts`, type: "circle", source: sourceId,
        paint: { "circle-color": color, "circle-radius": radius, "circle-stroke-color": "#10202c", "circle-stroke-width": 1, "circle-opacity": ui.opacity, "circle-stroke-opacity": ui.opacity },
      });
      this.created.set(l.id, { layerIds: [`lyr-${l.id}-pts`], sourceId, tilesKey: "" });
    } else if (l.type === "vector") {
      this.pending.add(l.id);
      this.tilejson(l)
        .then((tj) => {
          this.pending.delete(l.id);
          if (this.created.has(l.id) || !this.map.getStyle()) return;
          const tiles = l.tiles.map((t) => absolute(t, this.origin));
          this.map.addSource(sourceId, { type: "vector", tiles, minzoom: tj.minzoom ?? l.minzoom, maxzoom: tj.maxzoom ?? l.maxzoom, bounds: bounds(l.bbox) });
          const layerIds: string[] = [];
          for (const vl of tj.vector_layers ?? [{ id: l.id, fields: {} }]) {
            const prop = classProperty(l, vl.fields ?? {});
            const fill = fillColor(l, prop);
            const polygons: FilterSpecification = ["==", ["geometry-type"], "Polygon"];
            const fid = `lyr-${l.id}-${vl.id}-fill`;
            const lid = `lyr-${l.id}-${vl.id}-line`;
            this.map.addLayer({
              id: fid, type: "fill", source: sourceId, "source-layer": vl.id, filter: polygons,
              paint: { "fill-color": fill, "fill-opacity": (l.theme === "boundary" ? 0.05 : 0.55) * ui.opacity },
            });
            this.map.addLayer({
              id: lid, type: "line", source: sourceId, "source-layer": vl.id,
              paint: { "line-color": l.theme === "boundary" ? "#ffffff" : "#0b2a40", "line-width": l.theme === "boundary" ? 2 : 0.6, "line-opacity": ui.opacity, ...(l.theme === "boundary" ? { "line-dasharray": [3, 2] } : {}) },
            });
            layerIds.push(fid, lid);
          }
          this.created.set(l.id, { layerIds, sourceId, tilesKey: tiles.join() });
          again();
        })
        .catch((err: Error) => {
          this.pending.delete(l.id);
          this.onError(l.id, `Could not load ${l.title}: ${err.message}`);
        });
    }
  }

  private update(l: LayerDescriptor, ui: LayerUi, c: Created, points: Record<string, GeoJSON.FeatureCollection | undefined>) {
    const visibility = ui.visible ? "visible" : "none";
    for (const lid of c.layerIds) {
      if (!this.map.getLayer(lid)) continue;
      this.map.setLayoutProperty(lid, "visibility", visibility);
      const type = this.map.getLayer(lid)!.type;
      if (type === "raster") this.map.setPaintProperty(lid, "raster-opacity", ui.opacity);
      if (type === "fill") this.map.setPaintProperty(lid, "fill-opacity", (l.theme === "boundary" ? 0.05 : 0.55) * ui.opacity);
      if (type === "line") this.map.setPaintProperty(lid, "line-opacity", ui.opacity);
      if (type === "circle") {
        this.map.setPaintProperty(lid, "circle-opacity", ui.opacity);
        this.map.setPaintProperty(lid, "circle-stroke-opacity", ui.opacity);
      }
    }
    if (l.type === "raster") {
      const tiles = rasterTilesFor(l, ui, this.origin);
      const key = tiles.join();
      if (key !== c.tilesKey) {
        (this.map.getSource(c.sourceId) as unknown as { setTiles(t: string[]): void } | undefined)?.setTiles(tiles);
        c.tilesKey = key;
      }
    }
    if (l.type === "points" && points[l.id]) {
      const src = this.map.getSource(c.sourceId) as unknown as { setData(d: unknown): void; _data?: unknown } | undefined;
      if (src && (src as { _mpaData?: unknown })._mpaData !== points[l.id]) {
        src.setData(points[l.id]);
        (src as { _mpaData?: unknown })._mpaData = points[l.id];
      }
    }
  }
}

export function bounds(bbox: number[]): [number, number, number, number] | undefined {
  if (!bbox.every(Number.isFinite)) return undefined;
  if (bbox.length === 6) return [bbox[0], bbox[1], bbox[3], bbox[4]];
  return bbox.length === 4 ? [bbox[0], bbox[1], bbox[2], bbox[3]] : undefined;
}
