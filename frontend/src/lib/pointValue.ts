/**
 * Reading the tiler's point endpoint (`…/point/{lon},{lat}?assets=data`): titiler has answered
 * with `values: [v]`, `values: [[v]]` (per asset) and `{asset: {values}}` across versions, so
 * take the first finite number wherever it sits. Nodata comes back as null or as an error.
 */
import { pointUrl, withToken } from "./tileUrl";
import type { LonLat, Sample } from "./geometry";

export function firstNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const n = firstNumber(v);
      if (n !== null) return n;
    }
    return null;
  }
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if ("values" in obj) return firstNumber(obj.values);
    for (const v of Object.values(obj)) {
      const n = firstNumber(v);
      if (n !== null) return n;
    }
  }
  return null;
}

export function pointValueOf(body: unknown): number | null {
  if (body && typeof body === "object" && "values" in (body as object)) return firstNumber((body as { values: unknown }).values);
  return firstNumber(body);
}

export type Fetcher = (url: string, init?: RequestInit) => Promise<Response>;

export async function readPoint(
  template: string,
  at: LonLat,
  token: string | null,
  signal?: AbortSignal,
  fetcher: Fetcher = fetch,
): Promise<number | null> {
  const url = pointUrl(template, at[0], at[1]);
  if (!url) return null;
  const res = await fetcher(withToken(url, token), { signal });
  if (!res.ok) return null; // outside the raster or nodata: no value, not an error
  return pointValueOf(await res.json());
}

export interface ProfilePoint extends Sample {
  value: number | null;
}

/** Values along sampled positions, at most `concurrency` requests at a time, in order. */
export async function sampleProfile(
  template: string,
  samples: Sample[],
  token: string | null,
  { concurrency = 6, signal, fetcher = fetch }: { concurrency?: number; signal?: AbortSignal; fetcher?: Fetcher } = {},
): Promise<ProfilePoint[]> {
  const out: ProfilePoint[] = samples.map((s) => ({ ...s, value: null }));
  let next = 0;
  async function worker() {
    while (next < samples.length) {
      const i = next++;
      out[i].value = await readPoint(template, samples[i].lonlat, token, signal, fetcher);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, samples.length) }, worker));
  return out;
}
