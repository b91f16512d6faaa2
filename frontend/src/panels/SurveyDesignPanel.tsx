/**
 * Survey design: how many sample units are needed to detect a change (analytic t-based and
 * simulated from pilot data), and how large a sample unit should be (CV and units needed per
 * candidate size, cumulative curves, and the unit's footprint drawn on the map).
 */
import { useEffect, useMemo, useState } from "react";
import type { LayerDescriptor } from "../api/types";
import type { PointData } from "../api/points";
import { stats } from "../api/stats";
import { bboxOf, circleOfArea, type LonLat } from "../lib/geometry";
import { metricLabel } from "../lib/metrics";
import { formatNumber } from "../lib/scales";
import { useAsync } from "../lib/useAsync";
import { LineChart } from "../charts/LineChart";
import { ErrorBanner, Spinner } from "./Status";
import { tableLayers } from "./AnalysisPanel";
import { meanImageArea, simulationGrid } from "../lib/design";

interface Props {
  layers: LayerDescriptor[];
  points: PointData;
  center: [number, number];
  onCircle: (ring: LonLat[] | null) => void;
  onFit: (bbox: number[]) => void;
}

function NumberField({ label, value, onChange, min, max, step, testid }: { label: string; value: number; onChange: (v: number) => void; min: number; max: number; step: number; testid?: string }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const n = Number(text);
  const valid = text !== "" && Number.isFinite(n) && n >= min && n <= max;
  return (
    <label>
      {label}
      <input type="number" value={text} min={min} max={max} step={step} aria-invalid={!valid}
        onChange={(e) => { setText(e.target.value); const v = Number(e.target.value); if (e.target.value !== "" && Number.isFinite(v) && v >= min && v <= max) onChange(v); }}
        data-testid={testid} />
      {!valid && <span className="field-error">{min}–{max}</span>}
    </label>
  );
}

export default function SurveyDesignPanel({ layers, points, center, onCircle, onFit }: Props) {
  const tables = tableLayers(layers);
  const [collection, setCollection] = useState("");
  const active = tables.find((t) => t.id === collection)?.id ?? tables[0]?.id ?? "";

  // Analytic
  const [delta, setDelta] = useState(20);
  const [cv, setCv] = useState(0.6);
  const [alpha, setAlpha] = useState(0.05);
  const [power, setPower] = useState(0.8);
  const [tails, setTails] = useState<1 | 2>(2);
  const analytic = useAsync(() => stats.analyticPower({ delta_percent: delta, cv, alpha, power, tails }), [delta, cv, alpha, power, tails]);
  const [pilotError, setPilotError] = useState<string | null>(null);
  const [pilotBusy, setPilotBusy] = useState(false);
  const usePilotCv = () => {
    setPilotError(null);
    setPilotBusy(true);
    stats.summary(active, {}, unitArea, 200)
      .then((s) => {
        const r = s.summary.find((x) => x.group === "all" && x.metric === "density_per_m2" && !x.taxon);
        if (!r || !r.mean || !r.sd) throw new Error("pilot has too few sample units for a CV");
        setCv(Number((r.sd / r.mean).toFixed(3)));
      })
      .catch((e: Error) => setPilotError(e.message))
      .finally(() => setPilotBusy(false));
  };

  // Simulated
  const [simMetric, setSimMetric] = useState<"density" | "richness">("density");
  const [simRun, setSimRun] = useState(0);
  const simulation = useAsync(
    simRun && active ? () => stats.simulatedPower(active, { metric: simMetric, delta_percent: delta, alpha, power, tails, replicates: 300, units: { target_area_m2: unitArea }, n_per_group: simulationGrid(analytic.data?.n_per_group_exact_ceil) }) : null,
    [simRun],
  );

  // Unit size
  const [unitArea, setUnitArea] = useState(150);
  const unitSize = useAsync(active ? () => stats.unitSize(active, { delta_percent: delta, alpha, power, tails }) : null, [active, delta, alpha, power, tails]);
  const cumulative = useAsync(active ? () => stats.cumulative(active, {}, unitArea) : null, [active, unitArea]);
  const imageArea = meanImageArea(points[active]);
  const ring = useMemo(() => circleOfArea(center as LonLat, unitArea), [center, unitArea]);
  useEffect(() => {
    onCircle(ring);
  }, [ring]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => onCircle(null), []); // eslint-disable-line react-hooks/exhaustive-deps

  const a = analytic.data;
  return (
    <div className="design" data-testid="design-panel">
      <section>
        <h3>Power: units needed (analytic)</h3>
        <div className="form-grid">
          <NumberField label="Change to detect (%)" value={delta} onChange={setDelta} min={0.1} max={500} step={1} testid="power-delta" />
          <NumberField label="CV across units" value={cv} onChange={setCv} min={0.001} max={20} step={0.05} testid="power-cv" />
          <NumberField label="α" value={alpha} onChange={setAlpha} min={0.001} max={0.5} step={0.01} testid="power-alpha" />
          <NumberField label="Power (1−β)" value={power} onChange={setPower} min={0.05} max={0.999} step={0.05} testid="power-power" />
          <label>
            Test
            <select value={tails} onChange={(e) => setTails(Number(e.target.value) as 1 | 2)} data-testid="power-tails">
              <option value={2}>two-sided</option>
              <option value={1}>one-sided</option>
            </select>
          </label>
          {active && (
            <label>
              Pilot CV
              <button type="button" onClick={usePilotCv} disabled={pilotBusy} data-testid="power-pilot-cv">{pilotBusy ? "…" : "from pilot data"}</button>
            </label>
          )}
        </div>
        {pilotError && <ErrorBanner error={pilotError} />}
        {analytic.status === "loading" && !a && <Spinner />}
        {analytic.status === "error" && <ErrorBanner error={analytic.error} onRetry={analytic.retry} testid="power-error" />}
        {a && (
          <>
            <p>
              <span className="result" data-testid="power-n-exact">{a.n_per_group_exact_ceil}</span> sample units per survey{" "}
              <span className="muted small">(noncentral t: {a.n_per_group_exact.toFixed(2)}; iterated t: <span data-testid="power-n-iterated">{a.n_per_group_iterated_ceil}</span>; d = {a.effect_size.toFixed(3)})</span>
            </p>
            <LineChart
              testid="power-chart" xLabel="sample units per survey" yLabel="power" yDomain={[0, 1]}
              series={[{ name: "analytic", color: "#4fc3f7", points: a.curve.map((p) => ({ x: p.n_per_group, y: p.power })) },
                ...(simulation.data ? [{ name: "simulated", color: "#ffd54a", points: simulation.data.curve.map((p) => ({ x: p.n_per_group, y: p.power, lo: Math.max(0, p.power - 2 * p.mc_se), hi: Math.min(1, p.power + 2 * p.mc_se) })) }] : [])]}
              hLine={{ y: a.power, label: `target ${a.power}` }} vLine={{ x: a.n_per_group_exact_ceil, label: `n = ${a.n_per_group_exact_ceil}` }}
            />
          </>
        )}
      </section>

      <section>
        <h3>Power: simulated from pilot data</h3>
        {!tables.length ? (
          <p className="muted small">No annotation table to use as pilot data.</p>
        ) : (
          <>
            <div className="row">
              <select value={active} onChange={(e) => setCollection(e.target.value)} aria-label="Pilot survey" data-testid="sim-collection">
                {tables.map((t) => (<option key={t.id} value={t.id}>{t.title}</option>))}
              </select>
              <select value={simMetric} onChange={(e) => setSimMetric(e.target.value as "density" | "richness")} aria-label="Metric">
                <option value="density">density (negative binomial)</option>
                <option value="richness">richness (bootstrap)</option>
              </select>
              <button type="button" onClick={() => setSimRun((n) => n + 1)} disabled={simulation.status === "loading"} data-testid="sim-run">Simulate</button>
            </div>
            {simulation.status === "loading" && <Spinner label="Simulating surveys…" />}
            {simulation.status === "error" && <ErrorBanner error={simulation.error} onRetry={simulation.retry} />}
            {simulation.data && (
              <p data-testid="sim-result">
                <span className="result" data-testid="sim-n">{simulation.data.n_required ?? "> max"}</span> units per survey for power {simulation.data.target_power}{" "}
                <span className="muted small">
                  (pilot: {simulation.data.pilot_units} units of {formatNumber(simulation.data.unit_area_m2)} m², CV {simulation.data.pilot_cv === null ? "–" : simulation.data.pilot_cv.toFixed(2)}; analytic for that CV: {simulation.data.analytic_n_per_group === null ? "–" : Math.ceil(simulation.data.analytic_n_per_group)})
                </span>
              </p>
            )}
          </>
        )}
      </section>

      {tables.length > 0 && (
        <section>
          <h3>Sample-unit size</h3>
          <label className="opacity">
            <span>Unit area</span>
            <input type="range" min={5} max={500} step={5} value={unitArea} onChange={(e) => setUnitArea(Number(e.target.value))} data-testid="unit-area" aria-label="Sample unit area in square metres" />
            <output>{unitArea} m²</output>
          </label>
          <p className="small" data-testid="unit-images">
            One unit ≈ <strong>{imageArea ? Math.ceil(unitArea / imageArea) : "?"}</strong> images
            {imageArea ? ` of ${imageArea.toFixed(1)} m²` : " (open the annotation layer to count)"} · shown as a circle at the map centre.{" "}
            <button type="button" className="link" onClick={() => onFit(bboxOf(ring))} data-testid="unit-zoom">Zoom to it</button>
          </p>
          {unitSize.status === "loading" && <Spinner />}
          {unitSize.status === "error" && <ErrorBanner error={unitSize.error} onRetry={unitSize.retry} />}
          {unitSize.data && (
            <>
              <table className="data" data-testid="unit-size-table">
                <thead>
                  <tr><th>Unit m²</th><th>units</th><th>CV</th><th>n / survey</th><th>m² / survey</th></tr>
                </thead>
                <tbody>
                  {unitSize.data.rows.map((r) => (
                    <tr key={r.target_area_m2} className={r.target_area_m2 === unitArea ? "current" : ""}>
                      <td>{r.target_area_m2}</td>
                      <td>{r.units}</td>
                      <td>{r.cv === null ? "–" : r.cv.toFixed(2)}</td>
                      <td>{r.n_per_group_ceil ?? "–"}</td>
                      <td>{r.total_area_per_group_m2 === null ? "–" : formatNumber(r.total_area_per_group_m2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <LineChart testid="unit-size-chart" xLabel="sample unit area (m²)" yLabel={`CV of ${metricLabel(unitSize.data.metric)}`}
                series={[{ name: "CV", color: "#ff8a65", points: unitSize.data.rows.map((r) => ({ x: r.target_area_m2, y: r.cv })) }]} vLine={{ x: unitArea, label: `${unitArea} m²` }} />
            </>
          )}
          {cumulative.data && (
            <LineChart testid="design-cumulative-chart" xLabel="seabed area (m²)" yLabel="richness"
              series={[{ name: "richness", color: "#81c784", points: cumulative.data.curves.filter((c) => c.metric === "richness").map((c) => ({ x: c.area_m2, y: c.mean, lo: c.mean !== null && c.sd !== null ? c.mean - c.sd : null, hi: c.mean !== null && c.sd !== null ? c.mean + c.sd : null })) }]} />
          )}
        </section>
      )}
    </div>
  );
}
