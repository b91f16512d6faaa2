/**
 * A small SVG line chart: several series, optional confidence bands, nice axes, an optional
 * marker line. Enough for profiles, rarefaction/cumulative curves and power curves without a
 * chart library.
 */
import { extent, formatNumber, linearScale, niceDomain, niceTicks } from "../lib/scales";

export interface XY {
  x: number;
  y: number | null;
  lo?: number | null;
  hi?: number | null;
}

export interface Series {
  name: string;
  color: string;
  points: XY[];
  dashed?: boolean;
}

interface Props {
  series: Series[];
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  invertY?: boolean; // depth profiles: deeper is lower
  hLine?: { y: number; label: string };
  vLine?: { x: number; label: string };
  testid?: string;
  yDomain?: [number, number];
}

export function LineChart({ series, xLabel, yLabel, width = 320, height = 200, invertY, hLine, vLine, testid, yDomain }: Props) {
  const m = { top: 10, right: 12, bottom: 36, left: 48 };
  const xs = extent(series.flatMap((s) => s.points.map((p) => p.x)));
  const ys = extent(series.flatMap((s) => s.points.flatMap((p) => [p.y, p.lo, p.hi].filter((v): v is number => v != null))).concat(hLine ? [hLine.y] : []));
  if (!xs || !ys) return <div className="chart-empty muted" data-testid={testid} data-empty="true">No data to plot</div>;
  const [x0, x1] = xs[0] === xs[1] ? [xs[0] - 1, xs[1] + 1] : xs;
  const [y0, y1] = yDomain ?? niceDomain(ys[0], ys[1]);
  const x = linearScale([x0, x1], [m.left, width - m.right]);
  const y = linearScale([y0, y1], invertY ? [m.top, height - m.bottom] : [height - m.bottom, m.top]);
  const path = (pts: XY[], key: "y" | "lo" | "hi") => {
    let d = "";
    let pen = false;
    for (const p of pts) {
      const v = p[key];
      if (v == null || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(p.x).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    return d;
  };
  const band = (pts: XY[]) => {
    const ok = pts.filter((p) => p.lo != null && p.hi != null);
    if (ok.length < 2) return "";
    const top = ok.map((p) => `${x(p.x).toFixed(1)},${y(p.hi!).toFixed(1)}`);
    const bottom = ok.reverse().map((p) => `${x(p.x).toFixed(1)},${y(p.lo!).toFixed(1)}`);
    return `M${top.join("L")}L${bottom.join("L")}Z`;
  };
  return (
    <figure className="chart" data-testid={testid}>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={`${yLabel} against ${xLabel}`}>
        {niceTicks(y0, y1, 4).map((t) => (
          <g key={`y${t}`}>
            <line x1={m.left} x2={width - m.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={m.left - 4} y={y(t)} className="tick" textAnchor="end" dominantBaseline="middle">{formatNumber(t)}</text>
          </g>
        ))}
        {niceTicks(x0, x1, 5).map((t) => (
          <text key={`x${t}`} x={x(t)} y={height - m.bottom + 12} className="tick" textAnchor="middle">{formatNumber(t)}</text>
        ))}
        <line x1={m.left} x2={width - m.right} y1={height - m.bottom} y2={height - m.bottom} className="axis" />
        <line x1={m.left} x2={m.left} y1={m.top} y2={height - m.bottom} className="axis" />
        {series.map((s) => (
          <path key={`b${s.name}`} d={band(s.points.slice())} fill={s.color} opacity={0.18} />
        ))}
        {series.map((s) => (
          <path key={s.name} d={path(s.points, "y")} fill="none" stroke={s.color} strokeWidth={2} strokeDasharray={s.dashed ? "4 3" : undefined} data-series={s.name} />
        ))}
        {hLine && hLine.y >= Math.min(y0, y1) && hLine.y <= Math.max(y0, y1) && (
          <g>
            <line x1={m.left} x2={width - m.right} y1={y(hLine.y)} y2={y(hLine.y)} className="marker" />
            <text x={width - m.right} y={y(hLine.y) - 3} className="tick" textAnchor="end">{hLine.label}</text>
          </g>
        )}
        {vLine && vLine.x >= x0 && vLine.x <= x1 && (
          <g>
            <line x1={x(vLine.x)} x2={x(vLine.x)} y1={m.top} y2={height - m.bottom} className="marker" />
            <text x={x(vLine.x) + 3} y={m.top + 10} className="tick">{vLine.label}</text>
          </g>
        )}
        <text x={(m.left + width - m.right) / 2} y={height - 4} className="label" textAnchor="middle">{xLabel}</text>
        <text x={12} y={(m.top + height - m.bottom) / 2} className="label" textAnchor="middle" transform={`rotate(-90 12 ${(m.top + height - m.bottom) / 2})`}>{yLabel}</text>
      </svg>
      {series.length > 1 && (
        <figcaption className="chart-legend">
          {series.map((s) => (
            <span key={s.name}><i style={{ background: s.color }} />{s.name}</span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
