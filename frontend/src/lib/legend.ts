/**
 * Legend geometry: where a value sits on a colour bar drawn for `rescale = [min, max]` — the same
 * linear stretch the tiler applies to the tiles — and which ticks to label.
 */
import { niceTicks } from "./scales";
import type { LegendClass } from "../api/types";

/** Position of `value` along the bar, 0 at `min` and 1 at `max`, clamped like the tiler clamps. */
export function barFraction(value: number, min: number, max: number): number {
  if (max === min) return 0;
  const f = (value - min) / (max - min);
  return Math.min(1, Math.max(0, f));
}

export interface Tick {
  value: number;
  fraction: number;
  label: string;
}

export function legendTicks(min: number, max: number, units?: string | null, count = 4): Tick[] {
  const values = niceTicks(min, max, count);
  const withEnds = values.length >= 2 ? values : [min, max];
  return withEnds.map((value) => ({
    value,
    fraction: barFraction(value, min, max),
    label: `${Number(value.toPrecision(6))}${units ? ` ${units}` : ""}`,
  }));
}

/** Parse a "min,max" rescale text box; null when it is not two ordered numbers. */
export function parseRescale(text: string): [number, number] | null {
  const parts = text.split(",").map((s) => s.trim());
  if (parts.length !== 2 || parts.some((p) => p === "")) return null;
  const [a, b] = parts.map(Number);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a >= b) return null;
  return [a, b];
}

export interface Swatch {
  key: string;
  label: string;
  color: string;
}

/** Deterministic colour for a class without one, so map and legend always agree. */
export function classColor(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360}, 55%, 55%)`;
}

export function classSwatches(classes: LegendClass[] | null | undefined): Swatch[] {
  return (classes ?? []).map((c, i) => {
    const key = String(c.value ?? c.name ?? c.label ?? i);
    return { key, label: String(c.label ?? c.name ?? c.value ?? key), color: c.color ?? c.colour ?? classColor(key) };
  });
}
