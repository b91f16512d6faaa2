import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, decodeState, encodeState, type ViewState } from "./urlState";

describe("URL state codec", () => {
  it("round-trips view, layers, mode, exaggeration and styles", () => {
    const state: ViewState = {
      zoom: 11.25, center: [-8.12345, 50.31234], bearing: 12.5, pitch: 45, mode: "3d", exaggeration: 7,
      layers: [{ id: "hf2012-bathymetry", opacity: 0.8 }, { id: "habitat-map", opacity: 1 }],
      styles: { "hf2012-bathymetry": { colormap: "viridis", rescale: [-120, -40] } },
    };
    expect(decodeState(encodeState(state))).toEqual(state);
  });

  it("keeps draw order (top first) as listed", () => {
    const s = decodeState("#layers=b~1,a~0.5");
    expect(s.layers?.map((l) => l.id)).toEqual(["b", "a"]);
    expect(s.layers?.[1].opacity).toBe(0.5);
  });

  it("falls back to defaults on malformed input instead of throwing", () => {
    const s = decodeState("#map=abc/xx/999/&layers=~&mode=4d&exag=-3&style=x~~1,0");
    expect(s.zoom).toBe(DEFAULT_VIEW.zoom);
    expect(s.center[1]).toBe(DEFAULT_VIEW.center[1]);
    expect(s.center[0]).toBe(180); // clamped longitude
    expect(s.mode).toBe("2d");
    expect(s.exaggeration).toBe(0.1);
    expect(s.layers).toEqual([]);
    expect(s.styles).toEqual({});
  });

  it("no layers param means 'use the defaults', an empty one means 'nothing visible'", () => {
    expect(decodeState("#map=10/50/-8/0/0").layers).toBeNull();
    expect(decodeState("#layers=").layers).toEqual([]);
  });

  it("clamps opacity into [0, 1]", () => {
    expect(decodeState("#layers=a~7").layers?.[0].opacity).toBe(1);
  });

  it("encodes ids that contain reserved characters", () => {
    const s = { ...DEFAULT_VIEW, layers: [{ id: "a&b~c", opacity: 1 }] };
    expect(decodeState(encodeState(s)).layers?.[0].id).toBe("a&b~c");
  });
});
