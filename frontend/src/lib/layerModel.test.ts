import { describe, expect, it } from "vitest";
import type { LayerDescriptor } from "../api/types";
import { defaultOrder, initialStack, matchesFilter, mergeStack, moveLayer, toUrlLayers } from "./layerModel";

const layer = (id: string, theme: string, extra: Partial<LayerDescriptor> = {}): LayerDescriptor => ({
  id, title: id, theme, kind: "raster", access: "public", locked: false, bbox: [], type: "raster", tiles: [], minzoom: 0, maxzoom: 22, render: {}, items: [], ...extra,
});
const L = [layer("bathy", "bathymetry"), layer("imgs", "images", { type: "points" }), layer("hab", "habitat", { type: "vector" }), layer("mpa", "boundary"), layer("ss", "sidescan"), layer("secret", "bathymetry", { locked: true })];

describe("layer stack", () => {
  it("draws points over polygons over rasters, bathymetry at the bottom", () => {
    const order = defaultOrder(L);
    expect(order.indexOf("imgs")).toBeLessThan(order.indexOf("hab"));
    expect(order.indexOf("hab")).toBeLessThan(order.indexOf("ss"));
    expect(order.indexOf("ss")).toBeLessThan(order.indexOf("bathy"));
  });

  it("shows bathymetry and the boundary on load, never a locked layer", () => {
    const s = initialStack(L, null);
    const on = Object.entries(s.ui).filter(([, u]) => u.visible).map(([id]) => id).sort();
    expect(on).toEqual(["bathy", "mpa"]);
  });

  it("takes visibility, opacity and order from the URL", () => {
    const s = initialStack(L, [{ id: "ss", opacity: 0.4 }, { id: "bathy", opacity: 1 }, { id: "gone", opacity: 1 }], { bathy: { colormap: "viridis" } });
    expect(toUrlLayers(s)).toEqual([{ id: "ss", opacity: 0.4 }, { id: "bathy", opacity: 1 }]);
    expect(s.ui.bathy.colormap).toBe("viridis");
    expect(s.ui.hab.visible).toBe(false);
    // Layers the URL does not name keep their default rank around the named ones.
    expect(s.order.indexOf("imgs")).toBeLessThan(s.order.indexOf("ss"));
    expect(s.order.indexOf("secret")).toBeGreaterThan(s.order.indexOf("bathy"));
  });

  it("moves a layer among the visible ones only", () => {
    const order = ["a", "hidden", "b", "c"];
    const vis = (id: string) => id !== "hidden";
    expect(moveLayer(order, vis, "b", -1)).toEqual(["b", "hidden", "a", "c"]);
    expect(moveLayer(order, vis, "a", -1)).toEqual(order);
    expect(moveLayer(order, vis, "c", 1)).toEqual(order);
  });

  it("puts an unlocked sidescan above the bathymetry", () => {
    const base = [layer("bathy", "bathymetry"), layer("side", "sidescan", { locked: true }), layer("hab", "habitat", { type: "vector" })];
    const s = initialStack(base, null);
    const m = mergeStack({ ...s, order: s.order.filter((id) => id !== "side") }, base.map((l) => ({ ...l, locked: false })));
    expect(m.order).toEqual(["hab", "side", "bathy"]);
  });

  it("merges a new layer list, keeping choices and adding new layers", () => {
    const s = initialStack(L, null);
    const unlocked = L.map((l) => (l.id === "secret" ? { ...l, locked: false } : l)).concat(layer("new", "species"));
    const m = mergeStack({ ...s, ui: { ...s.ui, ss: { visible: true, opacity: 0.3 } } }, unlocked);
    expect(m.ui.ss).toEqual({ visible: true, opacity: 0.3 });
    expect(m.order).toContain("new");
    expect(m.ui.new.visible).toBe(false);
    // The unlocked bathymetry-themed layer sits with the rasters, above the bottom-most layer it follows.
    expect(m.order.indexOf("secret")).toBeGreaterThan(m.order.indexOf("ss"));
    expect(m.order.indexOf("new")).toBeLessThan(m.order.indexOf("hab"));
  });

  it("filters by title, id, theme or kind", () => {
    expect(matchesFilter(L[0], "BATH")).toBe(true);
    expect(matchesFilter(L[0], "habitat")).toBe(false);
    expect(matchesFilter(L[0], "  ")).toBe(true);
  });
});
