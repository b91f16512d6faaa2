import { describe, expect, it } from "vitest";
import { meanImageArea, simulationGrid } from "./design";

describe("survey design helpers", () => {
  it("simulates 20 sizes up to twice the analytic n", () => {
    const g = simulationGrid(144);
    expect(g).toHaveLength(20);
    expect(g[0]).toBe(14);
    expect(g[g.length - 1]).toBe(288);
    expect([...g].sort((a, b) => a - b)).toEqual(g);
  });

  it("never asks for fewer than 2 units per group and stays within the API's limits", () => {
    const small = simulationGrid(3);
    expect(Math.min(...small)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...simulationGrid(1e6))).toBe(5000);
  });

  it("takes the mean seabed area of image tiles, ignoring missing values", () => {
    const fc = { type: "FeatureCollection", features: [7, 8, null, -1].map((a) => ({ type: "Feature", geometry: { type: "Point", coordinates: [0, 0] }, properties: { area_seabed_m2: a } })) } as GeoJSON.FeatureCollection;
    expect(meanImageArea(fc)).toBe(7.5);
    expect(meanImageArea(undefined)).toBeNull();
  });
});
