/** Means with confidence intervals per group (dot and whiskers), one row per group. */
import { formatNumber, linearScale, niceDomain, niceTicks } from "../lib/scales";

export interface CIRow {
  label: string;
  mean: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
}

export function CIChart({ rows, unit, width = 320, testid }: { rows: CIRow[]; unit: string; width?: number; testid?: string }) {
  const ok = rows.filter((r) => r.mean !== null);
  if (!ok.length) return <div className="chart-empty muted" data-testid={testid} data-empty="true">No sample units to summarise: try a smaller unit area or a larger polygon</div>;
  const values = ok.flatMap((r) => [r.mean!, r.lo ?? r.mean!, r.hi ?? r.mean!]);
  const [d0, d1] = niceDomain(Math.min(0, ...values), Math.max(...values));
  const rowH = 22;
  const m = { top: 6, right: 12, bottom: 28, left: 96 };
  const height = m.top + m.bottom + rowH * rows.length;
  const x = linearScale([d0, d1], [m.left, width - m.right]);
  return (
    <figure className="chart" data-testid={testid}>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={`Mean and confidence interval per group, ${unit}`}>
        {niceTicks(d0, d1, 4).map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={m.top} y2={height - m.bottom} className="grid" />
            <text x={x(t)} y={height - m.bottom + 12} className="tick" textAnchor="middle">{formatNumber(t)}</text>
          </g>
        ))}
        {rows.map((r, i) => {
          const y = m.top + rowH * i + rowH / 2;
          return (
            <g key={r.label}>
              <text x={m.left - 6} y={y} className="tick" textAnchor="end" dominantBaseline="middle">{r.label.length > 16 ? `${r.label.slice(0, 15)}…` : r.label} (n={r.n})</text>
              {r.lo !== null && r.hi !== null && <line x1={x(r.lo)} x2={x(r.hi)} y1={y} y2={y} stroke="#4fc3f7" strokeWidth={2} />}
              {r.mean !== null && <circle cx={x(r.mean)} cy={y} r={4} fill="#ffd54a" />}
            </g>
          );
        })}
        <text x={(m.left + width - m.right) / 2} y={height - 4} className="label" textAnchor="middle">{unit}</text>
      </svg>
    </figure>
  );
}
