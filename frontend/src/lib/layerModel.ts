/**
 * The layer panel's model: which layers are on, in what order, how they are styled.
 * Kept apart from React so the defaults and ordering rules are testable.
 */
import type { LayerDescriptor } from "../api/types";
import type { LayerState, StyleOverride } from "./urlState";

export interface LayerUi {
  visible: boolean;
  opacity: number;
  colormap?: string;
  rescale?: [number, number];
}

export interface LayerStack {
  order: string[]; // top first
  ui: Record<string, LayerUi>;
}

/** Panel groups in the order the panel lists them. */
export const THEME_GROUPS: { theme: string; title: string }[] = [
  { theme: "bathymetry", title: "Bathymetry" },
  { theme: "sidescan", title: "Sidescan sonar" },
  { theme: "habitat", title: "Habitats" },
  { theme: "images", title: "Seabed images" },
  { theme: "species", title: "Species" },
  { theme: "boundary", title: "Boundaries" },
  { theme: "other", title: "Other" },
];

export function groupOf(theme: string): string {
  return THEME_GROUPS.some((g) => g.theme === theme) ? theme : "other";
}

/** Default draw order, top first: points over polygons over rasters, bathymetry at the bottom. */
const DRAW_RANK: Record<string, number> = { images: 0, species: 1, boundary: 2, habitat: 3, other: 4, sidescan: 5, bathymetry: 6 };

export function defaultOrder(layers: LayerDescriptor[]): string[] {
  return layers
    .map((l, i) => ({ l, i }))
    .sort((a, b) => (DRAW_RANK[groupOf(a.l.theme)] ?? 4) - (DRAW_RANK[groupOf(b.l.theme)] ?? 4) || a.i - b.i)
    .map(({ l }) => l.id);
}

/**
 * Add the ids of `rank` missing from `order`, each just above the first layer that ranks below
 * it: a layer that appears (unlocked by signing in, or not named in the URL) takes its default
 * place, so a sidescan mosaic lands above the bathymetry, not under it.
 */
function insertByRank(order: string[], rank: string[]): string[] {
  for (const id of rank) {
    if (order.includes(id)) continue;
    const below = order.findIndex((other) => rank.indexOf(other) > rank.indexOf(id));
    if (below < 0) order.push(id);
    else order.splice(below, 0, id);
  }
  return order;
}

/** On load only the bathymetry (and the MPA boundary) are visible, unless the URL says otherwise. */
export function initialStack(layers: LayerDescriptor[], fromUrl: LayerState[] | null, styles: Record<string, StyleOverride> = {}): LayerStack {
  const known = new Set(layers.map((l) => l.id));
  const order = defaultOrder(layers);
  const ui: Record<string, LayerUi> = {};
  for (const l of layers) {
    ui[l.id] = { visible: fromUrl ? false : ["bathymetry", "boundary"].includes(l.theme) && !l.locked, opacity: 1, ...styles[l.id] };
  }
  if (fromUrl) {
    const listed = fromUrl.filter((s) => known.has(s.id));
    for (const s of listed) ui[s.id] = { ...ui[s.id], visible: true, opacity: s.opacity };
    const listedIds = listed.map((s) => s.id);
    return { order: insertByRank([...listedIds], order), ui };
  }
  return { order, ui };
}

/** Keep the stack in step with a fresh layer list (e.g. after sign-in unlocks layers). */
export function mergeStack(stack: LayerStack, layers: LayerDescriptor[]): LayerStack {
  const ids = new Set(layers.map((l) => l.id));
  const order = stack.order.filter((id) => ids.has(id));
  insertByRank(order, defaultOrder(layers));
  const ui: Record<string, LayerUi> = {};
  for (const l of layers) ui[l.id] = stack.ui[l.id] ?? { visible: false, opacity: 1 };
  return { order, ui };
}

/** Move a layer one step up (towards the top, -1) or down (+1) among the visible layers. */
export function moveLayer(order: string[], visible: (id: string) => boolean, id: string, step: -1 | 1): string[] {
  const shown = order.filter(visible);
  const i = shown.indexOf(id);
  const j = i + step;
  if (i < 0 || j < 0 || j >= shown.length) return order;
  const other = shown[j];
  const next = order.slice();
  const a = next.indexOf(id);
  const b = next.indexOf(other);
  [next[a], next[b]] = [next[b], next[a]];
  return next;
}

export function toUrlLayers(stack: LayerStack): LayerState[] {
  return stack.order.filter((id) => stack.ui[id]?.visible).map((id) => ({ id, opacity: stack.ui[id].opacity }));
}

export function matchesFilter(layer: LayerDescriptor, text: string): boolean {
  const q = text.trim().toLowerCase();
  if (!q) return true;
  return [layer.id, layer.title, layer.theme, layer.kind].some((s) => s.toLowerCase().includes(q));
}
