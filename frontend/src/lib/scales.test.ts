import { describe, expect, it } from "vitest";
import { extent, formatNumber, linearScale, niceDomain, niceTicks } from "./scales";

describe("chart scales", () => {
  it("maps domain to range linearly and inverts", () => {
    const s = linearScale([0, 10], [100, 300]);
    expect(s(0)).toBe(100);
    expect(s(5)).toBe(200);
    expect(s(10)).toBe(300);
    expect(s.invert(250)).toBeCloseTo(7.5, 12);
    const flipped = linearScale([0, 1], [200, 0]);
    expect(flipped(0.25)).toBe(150);
  });

  it("gives round ticks at 1, 2 or 5 times a power of ten", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 100, 4)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(3, 97, 5)).toEqual([20, 40, 60, 80]);
    expect(niceTicks(5, 5)).toEqual([5]);
    expect(niceTicks(NaN, 1)).toEqual([]);
  });

  it("widens a domain to enclosing ticks", () => {
    expect(niceDomain(3, 97, 5)).toEqual([0, 100]);
    expect(niceDomain(-117, -43, 4)).toEqual([-120, -40]);
  });

  it("finds the extent of finite values only", () => {
    expect(extent([3, NaN, -1, Infinity, 2])).toEqual([-1, 3]);
    expect(extent([])).toBeNull();
  });

  it("formats tick labels without float noise", () => {
    expect(formatNumber(0.1 + 0.2)).toBe("0.3");
    expect(formatNumber(12500)).toBe("12.5k");
    expect(formatNumber(0)).toBe("0");
  });
});
