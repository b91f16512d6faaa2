/**
 * Client of the backend's /api/stats routes (backend/src/mpa_backend/api/stats.py). The frontend
 * computes no statistics: it draws what the API answers, so the map and a CSV download agree.
 */
import { getJSON, postJSON, ApiError } from "./client";
import { closeRing, type LonLat } from "../lib/geometry";

export interface Selection {
  polygon?: GeoJSON.Polygon | null;
  bbox?: number[] | null;
  substrata?: string[] | null;
}

export interface UnitsInfo {
  target_area_m2: number;
  units: number;
  dropped_partial_units: number;
  dropped_images: number;
  dropped_area_m2: number;
  rule: string;
}

export interface SummaryRow {
  group: string;
  metric: string;
  taxon: string | null;
  unit: string;
  n: number;
  mean: number | null;
  sd: number | null;
  se: number | null;
  ci_low: number | null;
  ci_high: number | null;
  ci_method: string;
  conf: number;
}

export interface SummaryResponse {
  collection: string;
  images_selected: number;
  area_selected_m2: number;
  taxa: string[];
  sample_units: UnitsInfo;
  units: Record<string, unknown>[];
  summary: SummaryRow[];
}

export interface InextRow {
  group: string;
  order: number;
  m: number;
  method: string;
  qD: number | null;
  qD_lcl: number | null;
  qD_ucl: number | null;
  coverage: number | null;
}

export interface RarefactionResponse {
  collection: string;
  method: string;
  asymptotic: { group: string; order: number; diversity: string; observed: number | null; estimator: number | null; lcl: number | null; ucl: number | null; n: number }[];
  size_based: InextRow[];
  coverage_based: InextRow[];
}

export interface CurveRow {
  metric: string;
  unit: string;
  units: number;
  area_m2: number;
  mean: number | null;
  sd: number | null;
}

export interface CumulativeResponse {
  collection: string;
  sample_units: UnitsInfo;
  curves: CurveRow[];
}

export interface CompareRow {
  metric: string;
  taxon: string | null;
  unit: string;
  n_a: number;
  n_b: number;
  mean_a: number | null;
  mean_b: number | null;
  difference: number | null;
  percent_change: number | null;
  ci_low: number | null;
  ci_high: number | null;
  welch_p: number | null;
  permutation_p: number | null;
  hedges_g: number | null;
}

export interface CompareResponse {
  a: string;
  b: string;
  units_a: UnitsInfo;
  units_b: UnitsInfo;
  comparisons: CompareRow[];
}

export interface AnalyticPower {
  delta_percent: number;
  cv: number;
  alpha: number;
  power: number;
  tails: number;
  effect_size: number;
  n_per_group_iterated: number;
  n_per_group_iterated_ceil: number;
  n_per_group_exact: number;
  n_per_group_exact_ceil: number;
  power_at_exact_ceil: number;
  curve: { n_per_group: number; power: number }[];
}

export interface SimulatedPower {
  collection: string;
  metric: string;
  unit: string;
  model: string;
  pilot_units: number;
  pilot_mean: number;
  pilot_sd: number;
  pilot_cv: number | null;
  unit_area_m2: number;
  n_required: number | null;
  analytic_n_per_group: number | null;
  target_power: number;
  curve: { n_per_group: number; power: number; mc_se: number; replicates: number }[];
}

export interface UnitSizeRow {
  target_area_m2: number;
  units: number;
  mean: number | null;
  sd: number | null;
  cv: number | null;
  n_per_group_exact: number | null;
  n_per_group_ceil: number | null;
  total_area_per_group_m2: number | null;
}

export interface UnitSizeResponse {
  collection: string;
  metric: string;
  unit: string;
  rows: UnitSizeRow[];
}

export function polygonSelection(vertices: LonLat[] | null | undefined): Selection {
  return vertices && vertices.length >= 3 ? { polygon: { type: "Polygon", coordinates: [closeRing(vertices)] } } : {};
}

export function summaryBody(selection: Selection, target_area_m2: number, n_boot = 500, taxa_of_interest: string[] = []) {
  return { selection, units: { target_area_m2 }, n_boot, taxa_of_interest };
}

export interface RarefactionBody {
  selection: Selection;
  by_substratum: boolean;
  nboot: number;
  knots: number;
}

/**
 * Bootstrap CIs of iNEXT curves cost ~100× the curves themselves (seconds to minutes on a full
 * survey), so the panel draws curves first and computes CIs only when asked.
 */
export function rarefactionBody(selection: Selection, withCI: boolean): RarefactionBody {
  return { selection, by_substratum: true, nboot: withCI ? 30 : 0, knots: 30 };
}

/** Two-sided is the API default and is left out of the query (the shortest, most cacheable URL). */
export function analyticPowerUrl(p: { delta_percent: number; cv: number; alpha: number; power: number; tails: 1 | 2 }): string {
  const q = new URLSearchParams({ delta_percent: String(p.delta_percent), cv: String(p.cv), alpha: String(p.alpha), power: String(p.power) });
  if (p.tails !== 2) q.set("tails", String(p.tails));
  return `/api/stats/power/analytic?${q}`;
}

const base = (c: string) => `/api/stats/${encodeURIComponent(c)}`;

export const stats = {
  summary: (c: string, selection: Selection, target_area_m2: number, n_boot = 500, taxa_of_interest: string[] = []) =>
    postJSON<SummaryResponse>(`${base(c)}/summary`, summaryBody(selection, target_area_m2, n_boot, taxa_of_interest)),
  rarefaction: (c: string, body: RarefactionBody) => postJSON<RarefactionResponse>(`${base(c)}/rarefaction`, body),
  cumulative: (c: string, selection: Selection, target_area_m2: number) =>
    postJSON<CumulativeResponse>(`${base(c)}/cumulative`, { selection, units: { target_area_m2 }, orderings: 50 }),
  compare: (a: string, b: string, selection: Selection, target_area_m2: number) =>
    postJSON<CompareResponse>(`/api/stats/compare`, { a: { collection: a, selection }, b: { collection: b, selection }, units: { target_area_m2 }, n_boot: 500, n_perm: 2000 }),
  analyticPower: (p: { delta_percent: number; cv: number; alpha: number; power: number; tails: 1 | 2 }) => getJSON<AnalyticPower>(analyticPowerUrl(p)),
  simulatedPower: (c: string, body: Record<string, unknown>) => postJSON<SimulatedPower>(`${base(c)}/power/simulation`, body),
  unitSize: (c: string, body: Record<string, unknown>) => postJSON<UnitSizeResponse>(`${base(c)}/unit-size`, body),
};

/**
 * Download one table of a statistics answer as CSV: the same request with `?format=csv`, saved
 * through a blob link (POST bodies cannot be expressed as a plain link).
 */
export async function downloadCsv(url: string, body: unknown | null, table: string, filename: string): Promise<void> {
  const sep = url.includes("?") ? "&" : "?";
  const full = `${url}${sep}format=csv&table=${encodeURIComponent(table)}`;
  const res = await fetch(full, body === null ? { headers: { Accept: "text/csv" } } : { method: "POST", headers: { "Content-Type": "application/json", Accept: "text/csv" }, body: JSON.stringify(body) });
  if (!res.ok) throw new ApiError(full, res.status, (await res.text()).slice(0, 200));
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** Human text for API validation errors (FastAPI's list of {loc, msg}). */
export function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg;
}
