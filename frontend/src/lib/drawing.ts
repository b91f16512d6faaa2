/**
 * Click-to-add-vertices drawing, as a pure state machine (no draw library): the map feeds it
 * clicks and keys, it says what is drawn and when a shape is finished.
 */
import { closeRing, isSimpleRing, type LonLat } from "./geometry";

export type Tool = "none" | "polygon" | "transect";

export interface DrawState {
  tool: Tool;
  vertices: LonLat[];
  message: string | null; // a hint or why a shape cannot be finished yet
}

export type DrawEvent =
  | { type: "start"; tool: Tool }
  | { type: "click"; at: LonLat; nearFirst?: boolean }
  | { type: "undo" }
  | { type: "finish" }
  | { type: "cancel" };

export interface DrawResult {
  state: DrawState;
  done?: { tool: Exclude<Tool, "none">; vertices: LonLat[] };
}

export const IDLE: DrawState = { tool: "none", vertices: [], message: null };

const MIN_VERTICES = { polygon: 3, transect: 2 } as const;

function hint(tool: Tool, n: number): string | null {
  if (tool === "polygon") return n < 3 ? "Click to add corners; double-click or Enter to close the polygon" : "Double-click, Enter or click the first corner to close";
  if (tool === "transect") return n < 2 ? "Click to add points along the transect; double-click or Enter to finish" : "Double-click or Enter to finish";
  return null;
}

function finish(state: DrawState): DrawResult {
  if (state.tool === "none") return { state };
  const need = MIN_VERTICES[state.tool];
  // A double-click also lands as two clicks on one spot: drop repeated vertices first.
  const vertices = state.vertices.filter((v, i, all) => i === 0 || v[0] !== all[i - 1][0] || v[1] !== all[i - 1][1]);
  if (vertices.length < need) {
    return { state: { ...state, vertices, message: `A ${state.tool} needs at least ${need} points` } };
  }
  if (state.tool === "polygon" && !isSimpleRing(vertices)) {
    return { state: { ...state, vertices, message: "The polygon crosses itself: undo a corner (Backspace)" } };
  }
  return { state: IDLE, done: { tool: state.tool, vertices } };
}

export function drawReducer(state: DrawState, event: DrawEvent): DrawResult {
  switch (event.type) {
    case "start":
      return { state: { tool: event.tool, vertices: [], message: hint(event.tool, 0) } };
    case "cancel":
      return { state: IDLE };
    case "undo": {
      const vertices = state.vertices.slice(0, -1);
      return { state: { ...state, vertices, message: hint(state.tool, vertices.length) } };
    }
    case "finish":
      return finish(state);
    case "click": {
      if (state.tool === "none") return { state };
      if (state.tool === "polygon" && event.nearFirst && state.vertices.length >= 3) return finish(state);
      const vertices = [...state.vertices, event.at];
      return { state: { ...state, vertices, message: hint(state.tool, vertices.length) } };
    }
  }
}

/** What to draw while a shape is in progress (rubber band to the cursor included). */
export function previewFeatures(state: DrawState, cursor: LonLat | null) {
  const features: GeoJSON.Feature[] = [];
  const pts = cursor && state.tool !== "none" ? [...state.vertices, cursor] : state.vertices;
  if (state.tool === "polygon" && pts.length >= 3) {
    features.push({ type: "Feature", properties: { role: "fill" }, geometry: { type: "Polygon", coordinates: [closeRing(pts)] } });
  }
  if (pts.length >= 2) {
    features.push({ type: "Feature", properties: { role: "line" }, geometry: { type: "LineString", coordinates: pts } });
  }
  for (const v of state.vertices) features.push({ type: "Feature", properties: { role: "vertex" }, geometry: { type: "Point", coordinates: v } });
  return { type: "FeatureCollection" as const, features };
}
