/**
 * Biodiversity statistics of a selection (a drawn polygon, or the whole survey): indices with
 * CIs per substratum, rarefaction/extrapolation and cumulative curves, a comparison between two
 * surveys, and CSV downloads of every table. All numbers come from /api/stats.
 */
import { useMemo, useState } from "react";
import type { LayerDescriptor } from "../api/types";
import { downloadCsv, polygonSelection, rarefactionBody, stats, summaryBody, type SummaryRow } from "../api/stats";
import type { PointData } from "../api/points";
import { ringAreaM2, type LonLat } from "../lib/geometry";
import { SERIES_COLORS, metricLabel, rarefactionSeries } from "../lib/metrics";
import { formatNumber } from "../lib/scales";
import { useAsync } from "../lib/useAsync";
import { CIChart } from "../charts/CIChart";
import { LineChart, type Series } from "../charts/LineChart";
import { ErrorBanner, Skeleton, Spinner } from "./Status";

interface Props {
  layers: LayerDescriptor[];
  points: PointData;
  polygon: LonLat[] | null;
  onDrawPolygon: () => void;
  onClearPolygon: () => void;
}

const TABLE_METRICS = ["density_per_m2", "density_per_ha", "richness", "hill_q1", "hill_q2", "pielou_evenness", "chao1", "coverage"];

export function tableLayers(layers: LayerDescriptor[]): LayerDescriptor[] {
  return layers.filter((l) => l.kind === "table" && !l.locked).sort((a, b) => a.id.localeCompare(b.id));
}

function fmtCI(r: SummaryRow | undefined): string {
  if (!r || r.mean === null) return "–";
  const ci = r.ci_low !== null && r.ci_high !== null ? ` [${formatNumber(r.ci_low)}–${formatNumber(r.ci_high)}]` : "";
  return `${formatNumber(r.mean)}${ci}`;
}

export default function AnalysisPanel({ layers, polygon, onDrawPolygon, onClearPolygon }: Props) {
  const tables = tableLayers(layers);
  const [collection, setCollection] = useState<string>("");
  const active = tables.find((t) => t.id === collection)?.id ?? tables[0]?.id ?? "";
  const [targetArea, setTargetArea] = useState(150);
  const [areaText, setAreaText] = useState("150");
  const [metric, setMetric] = useState("density_per_m2");
  const [order, setOrder] = useState(0);
  const [curveMetric, setCurveMetric] = useState("richness");
  const [csvError, setCsvError] = useState<string | null>(null);
  const [substrata, setSubstrata] = useState<string[]>([]);
  const [knownSubstrata, setKnownSubstrata] = useState<string[]>([]);
  const selection = useMemo(() => ({ ...polygonSelection(polygon), ...(substrata.length ? { substrata } : {}) }), [polygon, substrata]);
  const selKey = JSON.stringify(selection);

  const [interest, setInterest] = useState<string[]>([]);
  const summary = useAsync(active ? () => stats.summary(active, selection, targetArea, 500, interest) : null, [active, selKey, targetArea, interest.join(",")]);
  const taxaList = summary.data?.taxa ?? []; // kept while a new answer loads (useAsync keeps data)
  const [withCI, setWithCI] = useState(false);
  const rareBody = rarefactionBody(selection, withCI);
  const rarefaction = useAsync(active ? () => stats.rarefaction(active, rareBody) : null, [active, selKey, withCI]);
  const cumulative = useAsync(active ? () => stats.cumulative(active, selection, targetArea) : null, [active, selKey, targetArea]);
  const [pickA, setPickA] = useState("");
  const [pickB, setPickB] = useState("");
  const cmpA = tables.find((t) => t.id === pickA)?.id ?? tables[0]?.id ?? "";
  const cmpB = tables.find((t) => t.id === pickB)?.id ?? tables[tables.length - 1]?.id ?? "";

  const [compareOn, setCompareOn] = useState(false);
  const comparison = useAsync(compareOn && cmpA && cmpB ? () => stats.compare(cmpA, cmpB, selection, targetArea) : null, [compareOn, cmpA, cmpB, selKey, targetArea]);

  if (!tables.length) {
    return <p className="muted" data-testid="analysis-empty">No annotation tables you may read are published yet.</p>;
  }

  const rows = summary.data?.summary ?? [];
  const seen = [...new Set(rows.map((r) => r.group).filter((g) => g !== "all"))].sort();
  if (substrata.length === 0 && seen.join() !== knownSubstrata.join() && seen.length) setKnownSubstrata(seen);
  const groups = [...new Set(rows.map((r) => r.group))];
  const csv = (url: string, body: unknown, table: string, name: string) => {
    setCsvError(null);
    downloadCsv(url, body, table, name).catch((e: Error) => setCsvError(e.message));
  };
  const body = summaryBody(selection, targetArea, 500, interest);
  const interestRows = rows.filter((r) => r.group === "all" && r.metric === "density_per_m2" && r.taxon);

  return (
    <div className="analysis" data-testid="analysis-panel">
      <section>
        <h3>Selection</h3>
        <div className="row">
          <select value={active} onChange={(e) => setCollection(e.target.value)} aria-label="Annotation table" data-testid="analysis-collection">
            {tables.map((t) => (
              <option key={t.id} value={t.id}>{t.title}</option>
            ))}
          </select>
        </div>
        <div className="row" data-testid="analysis-selection">
          {polygon ? (
            <>
              <span>Drawn polygon · {(ringAreaM2(polygon) / 1e4).toFixed(2)} ha</span>
              <button type="button" onClick={onClearPolygon}>Whole survey</button>
            </>
          ) : (
            <span>Whole survey</span>
          )}
          <button type="button" onClick={onDrawPolygon} data-testid="analysis-draw">Draw polygon</button>
        </div>
        {knownSubstrata.length > 1 && (
          <div className="row small" role="group" aria-label="Substrata to include" data-testid="analysis-substrata">
            <span className="muted">Substrata:</span>
            {knownSubstrata.map((sub) => (
              <label key={sub}>
                <input type="checkbox" checked={substrata.length === 0 || substrata.includes(sub)}
                  onChange={(e) => {
                    const current = substrata.length === 0 ? knownSubstrata : substrata;
                    const next = e.target.checked ? [...current, sub] : current.filter((x) => x !== sub);
                    setSubstrata(next.length === knownSubstrata.length ? [] : next);
                  }} /> {sub}
              </label>
            ))}
          </div>
        )}
        <form className="row" onSubmit={(e) => { e.preventDefault(); const v = Number(areaText); if (v > 0) setTargetArea(v); }}>
          <label>
            Sample unit (m²){" "}
            <input type="number" min={1} step={1} value={areaText} onChange={(e) => setAreaText(e.target.value)} style={{ width: 80 }} data-testid="analysis-unit-area" />
          </label>
          <button type="submit">Apply</button>
        </form>
      </section>

      <section>
        <h3>Diversity and density</h3>
        {summary.status === "loading" && <Skeleton lines={4} />}
        {summary.status === "error" && <ErrorBanner error={summary.error} onRetry={summary.retry} testid="stats-error" />}
        {summary.data && (
          <>
            <p className="small" data-testid="stats-overview">
              <span data-testid="stats-images">{summary.data.images_selected}</span> images ·{" "}
              <span data-testid="stats-area">{formatNumber(summary.data.area_selected_m2)}</span> m² ·{" "}
              <span data-testid="stats-units">{summary.data.sample_units.units}</span> sample units of {summary.data.sample_units.target_area_m2} m²
              {summary.data.sample_units.dropped_images > 0 && <> ({summary.data.sample_units.dropped_images} images in short runs left out)</>}
            </p>
            <table className="data" data-testid="stats-table">
              <thead>
                <tr>
                  <th>Metric</th>
                  <th>All: mean [95% CI]</th>
                  <th>n</th>
                </tr>
              </thead>
              <tbody>
                {TABLE_METRICS.map((m) => {
                  const r = rows.find((x) => x.group === "all" && x.metric === m && !x.taxon);
                  if (!r) return null;
                  return (
                    <tr key={m} data-testid={`stats-row-${m}`}>
                      <td>{metricLabel(m)} <span className="muted">({r.unit})</span></td>
                      <td data-testid={`stats-mean-${m}`} data-mean={r.mean ?? ""}>{fmtCI(r)}</td>
                      <td>{r.n}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div className="row">
              <label>
                Per substratum:{" "}
                <select value={metric} onChange={(e) => setMetric(e.target.value)} data-testid="analysis-metric">
                  {TABLE_METRICS.map((m) => (
                    <option key={m} value={m}>{metricLabel(m)}</option>
                  ))}
                </select>
              </label>
            </div>
            <CIChart
              testid="stats-ci-chart"
              unit={rows.find((r) => r.metric === metric)?.unit ?? ""}
              rows={groups.map((g) => {
                const r = rows.find((x) => x.group === g && x.metric === metric && !x.taxon);
                return { label: g, mean: r?.mean ?? null, lo: r?.ci_low ?? null, hi: r?.ci_high ?? null, n: r?.n ?? 0 };
              })}
            />
            <div className="row">
              <button type="button" onClick={() => csv(`/api/stats/${active}/summary`, body, "summary", `${active}-summary.csv`)} data-testid="csv-summary">CSV: summary</button>
              <button type="button" onClick={() => csv(`/api/stats/${active}/summary`, body, "units", `${active}-units.csv`)} data-testid="csv-units">CSV: sample units</button>
            </div>
          </>
        )}
        {csvError && <ErrorBanner error={csvError} />}
      </section>

      <section>
        <h3>Species of conservation interest</h3>
        <details data-testid="interest-picker">
          <summary className="small">Choose taxa ({interest.length} chosen of {taxaList.length})</summary>
          <div className="taxa-list">
            {taxaList.map((t) => (
              <label key={t} className="small">
                <input type="checkbox" checked={interest.includes(t)} onChange={(e) => setInterest((cur) => (e.target.checked ? [...cur, t] : cur.filter((x) => x !== t)))} data-testid={`interest-${t}`} /> {t.replace(/_/g, " ")}
              </label>
            ))}
          </div>
        </details>
        {interestRows.length > 0 && (
          <table className="data" data-testid="interest-table">
            <thead>
              <tr><th>Taxon</th><th>Density mean [95% CI]</th><th>n</th></tr>
            </thead>
            <tbody>
              {interestRows.map((r) => (
                <tr key={r.taxon!}>
                  <td><i>{r.taxon!.replace(/_/g, " ")}</i> <span className="muted">({r.unit})</span></td>
                  <td data-mean={r.mean ?? ""}>{fmtCI(r)}</td>
                  <td>{r.n}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section>
        <h3>Rarefaction / extrapolation</h3>
        <div className="row segmented" role="group" aria-label="Hill number order">
          {[0, 1, 2].map((q) => (
            <button key={q} type="button" aria-pressed={order === q} onClick={() => setOrder(q)}>q = {q}</button>
          ))}
        </div>
        <label className="small">
          <input type="checkbox" checked={withCI} onChange={(e) => setWithCI(e.target.checked)} data-testid="rarefaction-ci" /> 95% bootstrap CIs (slower)
        </label>
        {rarefaction.status === "loading" && <Spinner label="Computing curves…" />}
        {rarefaction.status === "error" && <ErrorBanner error={rarefaction.error} onRetry={rarefaction.retry} />}
        {rarefaction.data && (
          <>
            <LineChart
              testid="rarefaction-chart"
              xLabel="individuals" yLabel={order === 0 ? "richness" : `Hill N${order}`}
              series={rarefactionSeries(rarefaction.data.size_based, order).map((s, _i, all) => {
                const groupsSeen = [...new Set(all.map((x) => x.group))];
                return { name: `${s.group}${s.part === "extrapolated" ? " (extrapolated)" : ""}`, color: SERIES_COLORS[groupsSeen.indexOf(s.group) % SERIES_COLORS.length], dashed: s.part === "extrapolated", points: s.points } satisfies Series;
              })}
            />
            <div className="row">
              <button type="button" onClick={() => csv(`/api/stats/${active}/rarefaction`, rareBody, "size_based", `${active}-rarefaction.csv`)}>CSV: curves</button>
              <button type="button" onClick={() => csv(`/api/stats/${active}/rarefaction`, rareBody, "asymptotic", `${active}-asymptotic.csv`)}>CSV: asymptotic</button>
            </div>
          </>
        )}
      </section>

      <section>
        <h3>Cumulative curves</h3>
        <select value={curveMetric} onChange={(e) => setCurveMetric(e.target.value)} aria-label="Cumulative curve metric">
          {["richness", "hill_q1", "hill_q2", "density_per_m2"].map((m) => (
            <option key={m} value={m}>{metricLabel(m)}</option>
          ))}
        </select>
        {cumulative.status === "loading" && <Spinner label="Computing curves…" />}
        {cumulative.status === "error" && <ErrorBanner error={cumulative.error} onRetry={cumulative.retry} />}
        {cumulative.data && (
          <LineChart
            testid="cumulative-chart" xLabel="seabed area (m²)" yLabel={metricLabel(curveMetric)}
            series={[{
              name: metricLabel(curveMetric), color: "#81c784",
              points: cumulative.data.curves.filter((c) => c.metric === curveMetric).map((c) => ({ x: c.area_m2, y: c.mean, lo: c.mean !== null && c.sd !== null ? c.mean - c.sd : null, hi: c.mean !== null && c.sd !== null ? c.mean + c.sd : null })),
            }]}
          />
        )}
      </section>

      <section>
        <h3>Survey comparison</h3>
        {tables.length < 2 ? (
          <p className="muted small">Needs two annotation tables (e.g. 2012 and 2015 surveys).</p>
        ) : !compareOn ? (
          <>
            <div className="row">
              <select value={cmpA} onChange={(e) => setPickA(e.target.value)} aria-label="Survey A" data-testid="compare-a">
                {tables.map((t) => (<option key={t.id} value={t.id}>{t.title}</option>))}
              </select>
              <span>→</span>
              <select value={cmpB} onChange={(e) => setPickB(e.target.value)} aria-label="Survey B" data-testid="compare-b">
                {tables.map((t) => (<option key={t.id} value={t.id}>{t.title}</option>))}
              </select>
            </div>
            <button type="button" onClick={() => setCompareOn(true)} disabled={cmpA === cmpB} data-testid="compare-run">Compare</button>
          </>
        ) : (
          <>
            {comparison.status === "loading" && <Spinner label="Comparing surveys…" />}
            {comparison.status === "error" && <ErrorBanner error={comparison.error} onRetry={comparison.retry} />}
            {comparison.data && (
              <>
                <p className="small muted">
                  {comparison.data.a} ({comparison.data.units_a.units} units) → {comparison.data.b} ({comparison.data.units_b.units} units){" "}
                  <button type="button" className="link" onClick={() => setCompareOn(false)}>change</button>
                </p>
                <table className="data" data-testid="compare-table">
                  <thead>
                    <tr><th>Metric</th><th>A</th><th>B</th><th>Δ %</th><th>95% CI of B−A</th><th>p (perm.)</th></tr>
                  </thead>
                  <tbody>
                    {comparison.data.comparisons.map((c) => (
                      <tr key={`${c.metric}${c.taxon ?? ""}`}>
                        <td>{metricLabel(c.metric)}{c.taxon ? `: ${c.taxon}` : ""}</td>
                        <td>{formatNumber(c.mean_a ?? NaN)}</td>
                        <td>{formatNumber(c.mean_b ?? NaN)}</td>
                        <td>{c.percent_change === null ? "–" : `${c.percent_change > 0 ? "+" : ""}${c.percent_change.toFixed(1)}`}</td>
                        <td>{c.ci_low === null || c.ci_high === null ? "–" : `${formatNumber(c.ci_low)} – ${formatNumber(c.ci_high)}`}</td>
                        <td>{c.permutation_p === null ? "–" : c.permutation_p < 0.001 ? "<0.001" : c.permutation_p.toFixed(3)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <button type="button" onClick={() => csv(`/api/stats/compare`, { a: { collection: cmpA, selection }, b: { collection: cmpB, selection }, units: { target_area_m2: targetArea }, n_boot: 500, n_perm: 2000 }, "comparisons", "compare.csv")}>CSV: comparison</button>
              </>
            )}
          </>
        )}
      </section>
    </div>
  );
}
