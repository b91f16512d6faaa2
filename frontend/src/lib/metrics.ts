/** Labels for the statistics API's metric names, and the grouping of curve rows into series. */

export const METRIC_LABELS: Record<string, string> = {
  density_per_m2: "Density",
  density_per_ha: "Density (per ha)",
  richness: "Richness (N0)",
  hill_q1: "Hill N1 (exp Shannon)",
  hill_q2: "Hill N2 (inverse Simpson)",
  pielou_evenness: "Evenness (Pielou J′)",
  chao1: "Chao1",
  coverage: "Sample coverage",
  individuals: "Individuals",
};

export const metricLabel = (m: string) => METRIC_LABELS[m] ?? m.replace(/_/g, " ");

export const SERIES_COLORS = ["#4fc3f7", "#ffd54a", "#ff8a65", "#81c784", "#ce93d8", "#f48fb1", "#90a4ae", "#aed581"];

export interface InextLike {
  group: string;
  order: number;
  m: number;
  method: string;
  qD: number | null;
  qD_lcl: number | null;
  qD_ucl: number | null;
}

export interface CurveSeries {
  group: string;
  part: "interpolated" | "extrapolated";
  points: { x: number; y: number | null; lo: number | null; hi: number | null }[];
}

/**
 * iNEXT rows of one order → per group an interpolated (solid) and an extrapolated (dashed)
 * series; both contain the observed reference sample so the two lines join.
 */
export function rarefactionSeries(rows: InextLike[], order: number): CurveSeries[] {
  const out: CurveSeries[] = [];
  const groups = [...new Set(rows.filter((r) => r.order === order).map((r) => r.group))];
  for (const group of groups) {
    const mine = rows.filter((r) => r.order === order && r.group === group).sort((a, b) => a.m - b.m);
    const pt = (r: InextLike) => ({ x: r.m, y: r.qD, lo: r.qD_lcl, hi: r.qD_ucl });
    const isObserved = (r: InextLike) => /observ/i.test(r.method);
    const interp = mine.filter((r) => /interp|rarefaction/i.test(r.method) || isObserved(r));
    const extrap = mine.filter((r) => /extrap/i.test(r.method) || isObserved(r));
    if (interp.length) out.push({ group, part: "interpolated", points: interp.map(pt) });
    if (extrap.length > 1) out.push({ group, part: "extrapolated", points: extrap.map(pt) });
  }
  return out;
}
