import { describe, expect, it } from "vitest";
import { pointValueOf, sampleProfile } from "./pointValue";
import { sampleLine } from "./geometry";

describe("point read-out", () => {
  it("reads titiler's point answers across versions", () => {
    expect(pointValueOf({ coordinates: [0, 0], values: [-85.5], band_names: ["b1"] })).toBe(-85.5);
    expect(pointValueOf({ coordinates: [0, 0], values: [[-85.5]] })).toBe(-85.5);
    expect(pointValueOf({ data: { values: [null, -70] } })).toBe(-70);
    expect(pointValueOf({ values: [null] })).toBeNull();
  });

  it("samples a profile in order with bounded concurrency, nodata as null", async () => {
    let inFlight = 0;
    let peak = 0;
    const fetcher = async (url: string) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      const lat = Number(url.match(/point\/[-\d.]+,([-\d.]+)/)![1]);
      if (lat > 50.35) return new Response("{}", { status: 404 });
      return new Response(JSON.stringify({ values: [-lat] }));
    };
    const samples = sampleLine([[-8, 50.3], [-8, 50.4]], 11);
    const out = await sampleProfile("/tiles/collections/c/items/i/tiles/WebMercatorQuad/{z}/{x}/{y}.png?assets=data", samples, "tok", { concurrency: 3, fetcher: fetcher as typeof fetch });
    expect(peak).toBeLessThanOrEqual(3);
    expect(out.map((p) => p.value).slice(0, 3)).toEqual([-50.3, -50.31, -50.32]);
    expect(out[10].value).toBeNull();
    expect(out.map((p) => p.distance)).toEqual(samples.map((s) => s.distance));
  });
});
