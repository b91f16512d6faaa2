/** Depth profile along a drawn transect: the tiler's point values sampled along the line. */
import { useAsync } from "../lib/useAsync";
import { lineLengthM, sampleLine, type LonLat } from "../lib/geometry";
import { sampleProfile } from "../lib/pointValue";
import type { LayerDescriptor } from "../api/types";
import { LineChart } from "./LineChart";
import { Icon } from "../panels/Icon";
import { ErrorBanner, Spinner } from "../panels/Status";

export const PROFILE_SAMPLES = 80;

export default function ProfileChart({ line, layer, token, onClose }: { line: LonLat[]; layer: LayerDescriptor; token: string | null; onClose: () => void }) {
  const q = useAsync(() => sampleProfile(layer.tiles[0], sampleLine(line, PROFILE_SAMPLES), token), [line, layer.id, token]);
  const units = layer.legend?.units ?? "m";
  const values = (q.data ?? []).filter((p) => p.value !== null);
  const length = lineLengthM(line);
  return (
    <section className="profile-panel" aria-label="Depth profile" data-testid="profile-panel">
      <header>
        <strong>Depth profile</strong> · {layer.title} · {(length / 1000).toFixed(2)} km
        <button type="button" className="icon" onClick={onClose} aria-label="Close profile"><Icon name="close" /></button>
      </header>
      {q.status === "loading" && <Spinner label="Sampling depths…" />}
      {q.status === "error" && <ErrorBanner error={q.error} onRetry={q.retry} />}
      {q.status === "ready" && values.length === 0 && <p className="muted">No bathymetry under this line.</p>}
      {q.status === "ready" && values.length > 0 && (
        <LineChart
          testid="profile-chart" width={560} height={170}
          series={[{ name: layer.title, color: "#4fc3f7", points: q.data!.map((p) => ({ x: p.distance, y: p.value })) }]}
          xLabel="distance along transect (m)" yLabel={`${units}`}
        />
      )}
      {q.status === "ready" && values.length > 0 && (
        <p className="small muted" data-testid="profile-summary">
          {values.length}/{PROFILE_SAMPLES} samples · min {Math.min(...values.map((v) => v.value!)).toFixed(1)} {units} · max {Math.max(...values.map((v) => v.value!)).toFixed(1)} {units}
        </p>
      )}
    </section>
  );
}
