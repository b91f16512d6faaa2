import { describe, expect, it } from "vitest";
import { rarefactionSeries } from "./metrics";

const row = (group: string, order: number, m: number, method: string, qD: number) => ({ group, order, m, method, qD, qD_lcl: qD - 1, qD_ucl: qD + 1 });

describe("rarefaction series", () => {
  it("splits each group into interpolated and extrapolated lines joined at the observed sample", () => {
    const rows = [
      row("all", 0, 1, "rarefaction", 1), row("all", 0, 10, "rarefaction", 5), row("all", 0, 20, "observed", 8),
      row("all", 0, 30, "extrapolation", 9), row("all", 0, 40, "extrapolation", 9.5), row("all", 1, 20, "observed", 4),
      row("sand", 0, 5, "rarefaction", 2), row("sand", 0, 8, "observed", 3),
    ];
    const s = rarefactionSeries(rows, 0);
    expect(s.map((x) => `${x.group}:${x.part}`)).toEqual(["all:interpolated", "all:extrapolated", "sand:interpolated"]);
    expect(s[0].points.map((p) => p.x)).toEqual([1, 10, 20]);
    expect(s[1].points.map((p) => p.x)).toEqual([20, 30, 40]);
    expect(s[1].points[0]).toEqual({ x: 20, y: 8, lo: 7, hi: 9 });
  });
});
