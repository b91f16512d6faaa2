import { describe, expect, it } from "vitest";
import { EARTH_RADIUS_M, bboxOf, circleOfArea, closeRing, destination, haversineM, isSimpleRing, lineLengthM, pointInRing, ringAreaM2, sampleLine, type LonLat } from "./geometry";

const R = EARTH_RADIUS_M;
const rad = Math.PI / 180;

describe("polygon geometry", () => {
  it("area of a lon/lat cell matches the closed form R²·Δλ·(sin φ2 − sin φ1)", () => {
    const cell: LonLat[] = [[-8.2, 50.2], [-8.0, 50.2], [-8.0, 50.4], [-8.2, 50.4]];
    const exact = R * R * 0.2 * rad * (Math.sin(50.4 * rad) - Math.sin(50.2 * rad));
    expect(ringAreaM2(cell) / exact).toBeCloseTo(1, 9);
    expect(ringAreaM2([...cell].reverse())).toBeCloseTo(ringAreaM2(cell), 3); // orientation-free
  });

  it("a drawn circle of 150 m² has the area of its inscribed 64-gon", () => {
    const ring = circleOfArea([-8.1, 50.3], 150, 64);
    const inscribed = 150 * (64 * Math.sin((2 * Math.PI) / 64)) / (2 * Math.PI);
    expect(ringAreaM2(ring) / inscribed).toBeCloseTo(1, 3);
    const r = Math.sqrt(150 / Math.PI);
    for (const p of ring) expect(haversineM([-8.1, 50.3], p)).toBeCloseTo(r, 6);
  });

  it("tests containment with holes-free rings, open or closed", () => {
    const square: LonLat[] = [[0, 0], [1, 0], [1, 1], [0, 1]];
    expect(pointInRing([0.5, 0.5], square)).toBe(true);
    expect(pointInRing([1.5, 0.5], square)).toBe(false);
    expect(pointInRing([0.5, 0.5], closeRing(square))).toBe(true);
    const concave: LonLat[] = [[0, 0], [2, 0], [2, 2], [1, 1], [0, 2]];
    expect(pointInRing([1, 1.5], concave)).toBe(false);
    expect(pointInRing([1, 0.5], concave)).toBe(true);
  });

  it("refuses self-intersecting rings", () => {
    expect(isSimpleRing([[0, 0], [1, 0], [1, 1], [0, 1]])).toBe(true);
    expect(isSimpleRing([[0, 0], [1, 1], [1, 0], [0, 1]])).toBe(false); // bow tie
  });

  it("closes rings once", () => {
    expect(closeRing([[0, 0], [1, 0], [1, 1]])).toEqual([[0, 0], [1, 0], [1, 1], [0, 0]]);
    expect(closeRing([[0, 0], [1, 0], [0, 0]])).toHaveLength(3);
  });

  it("bbox of coordinates", () => {
    expect(bboxOf([[1, 5], [-2, 3], [4, -1]])).toEqual([-2, -1, 4, 5]);
  });
});

describe("lines and transects", () => {
  it("one degree of latitude is πR/180", () => {
    expect(haversineM([0, 50], [0, 51])).toBeCloseTo((Math.PI * R) / 180, 6);
  });

  it("samples evenly along a polyline, both ends included", () => {
    const line: LonLat[] = [[0, 0], [0, 1], [0, 3]];
    const s = sampleLine(line, 4);
    expect(s).toHaveLength(4);
    expect(s[0].lonlat).toEqual([0, 0]);
    expect(s[3].lonlat[1]).toBeCloseTo(3, 9);
    expect(s[1].lonlat[1]).toBeCloseTo(1, 9);
    expect(s[2].lonlat[1]).toBeCloseTo(2, 9);
    expect(s[3].distance).toBeCloseTo(lineLengthM(line), 6);
  });

  it("destination then distance round-trips", () => {
    const p = destination([-8.1, 50.3], 1234, 73);
    expect(haversineM([-8.1, 50.3], p)).toBeCloseTo(1234, 6);
  });
});
