import { describe, expect, it } from "vitest";
import { barFraction, classColor, classSwatches, legendTicks, parseRescale } from "./legend";

describe("legend scaling", () => {
  it("places values on the bar with the tiler's linear stretch, clamped", () => {
    expect(barFraction(-120, -120, -40)).toBe(0);
    expect(barFraction(-40, -120, -40)).toBe(1);
    expect(barFraction(-80, -120, -40)).toBeCloseTo(0.5, 12);
    expect(barFraction(-200, -120, -40)).toBe(0);
    expect(barFraction(10, -120, -40)).toBe(1);
  });

  it("labels round ticks inside the range with units", () => {
    const ticks = legendTicks(-117.3, -42.8, "m");
    expect(ticks.map((t) => t.value)).toEqual([-100, -80, -60]);
    expect(ticks[0].label).toBe("-100 m");
    for (const t of ticks) expect(t.fraction).toBeCloseTo((t.value + 117.3) / 74.5, 12);
  });

  it("parses a rescale box only when it is two ordered numbers", () => {
    expect(parseRescale("-120, -40")).toEqual([-120, -40]);
    expect(parseRescale("-40,-120")).toBeNull();
    expect(parseRescale("a,b")).toBeNull();
    expect(parseRescale("1")).toBeNull();
    expect(parseRescale("1,")).toBeNull();
  });

  it("gives class swatches stable colours", () => {
    const s = classSwatches([{ value: "A5.1", label: "Sublittoral coarse sediment", color: "#ff0000" }, { value: "A4.2" }]);
    expect(s[0]).toEqual({ key: "A5.1", label: "Sublittoral coarse sediment", color: "#ff0000" });
    expect(s[1].color).toBe(classColor("A4.2"));
    expect(classColor("A4.2")).toBe(classColor("A4.2"));
    expect(classColor("A4.2")).not.toBe(classColor("A5.1"));
  });
});
