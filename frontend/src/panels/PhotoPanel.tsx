/** Seabed photos: a gallery of the images inside the current map view, and a full view of one. */
import { useEffect, useState } from "react";
import type { LayerDescriptor } from "../api/types";
import type { PointData } from "../api/points";
import { Spinner } from "./Status";
import { withToken } from "../lib/tileUrl";

interface Props {
  layers: LayerDescriptor[];
  points: PointData;
  bounds: [number, number, number, number];
  photo: { layerId: string; properties: Record<string, unknown> } | null;
  onPhoto: (p: { layerId: string; properties: Record<string, unknown> } | null) => void;
  token: string | null;
}

const MAX_THUMBS = 60;

export function inView(f: GeoJSON.Feature, [w, s, e, n]: [number, number, number, number]): boolean {
  if (f.geometry?.type !== "Point") {
    const bbox = (f as GeoJSON.Feature & { bbox?: number[] }).bbox;
    return !!bbox && bbox[0] <= e && bbox[2] >= w && bbox[1] <= n && bbox[3] >= s;
  }
  const [x, y] = (f.geometry as GeoJSON.Point).coordinates;
  return x >= w && x <= e && y >= s && y <= n;
}

/** Image items may be footprints (polygons): use the centre of their ring to place them. */
function position(f: GeoJSON.Feature): [number, number] | null {
  const g = f.geometry;
  if (!g) return null;
  if (g.type === "Point") return g.coordinates as [number, number];
  if (g.type === "Polygon") {
    const ring = g.coordinates[0];
    const xs = ring.map((c) => c[0]);
    const ys = ring.map((c) => c[1]);
    return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
  }
  return null;
}

export default function PhotoPanel({ layers, points, bounds, photo, onPhoto, token }: Props) {
  const imageLayers = layers.filter((l) => l.kind === "images" && !l.locked);
  const loading = imageLayers.some((l) => !points[l.id]);
  const visible = imageLayers.flatMap((l) =>
    (points[l.id]?.features ?? [])
      .filter((f) => {
        const p = position(f);
        return p ? p[0] >= bounds[0] && p[0] <= bounds[2] && p[1] >= bounds[1] && p[1] <= bounds[3] : false;
      })
      .map((f) => ({ layerId: l.id, properties: (f.properties ?? {}) as Record<string, unknown> })),
  );

  useEffect(() => {
    if (!photo) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onPhoto(null);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [photo, onPhoto]);

  if (photo) {
    const p = photo.properties;
    const i = visible.findIndex((v) => v.layerId === photo.layerId && v.properties.id === p.id);
    return (
      <div className="photo-full" data-testid="photo-full">
        <div className="row">
          <button type="button" onClick={() => onPhoto(null)} data-testid="photo-back">← Gallery</button>
          <button type="button" disabled={i <= 0} onClick={() => onPhoto(visible[i - 1])} aria-label="Previous image">‹</button>
          <button type="button" disabled={i < 0 || i >= visible.length - 1} onClick={() => onPhoto(visible[i + 1])} aria-label="Next image">›</button>
        </div>
        <FullImage src={withToken(String(p.preview ?? p.thumbnail ?? ""), token)} alt={`Seabed image ${String(p.id ?? "")}`} />
        <dl className="layer-info">
          {Object.entries(p)
            .filter(([k]) => !["thumbnail", "preview"].includes(k))
            .slice(0, 12)
            .map(([k, v]) => (
              <div key={k} style={{ display: "contents" }}>
                <dt>{k.replace(/_/g, " ")}</dt>
                <dd>{typeof v === "object" ? JSON.stringify(v) : String(v)}</dd>
              </div>
            ))}
        </dl>
      </div>
    );
  }

  if (!imageLayers.length) return <p className="muted">No seabed image layer you may see is published.</p>;
  return (
    <div data-testid="gallery-panel">
      <p className="small muted" data-testid="gallery-count" data-loading={loading}>
        {`${visible.length} image${visible.length === 1 ? "" : "s"} in view`}
        {loading && " (loading more positions…)"}
        {visible.length > MAX_THUMBS && ` (first ${MAX_THUMBS} shown; zoom in for the rest)`}
      </p>
      {loading && <Spinner />}
      <div className="gallery" data-testid="gallery">
        {visible.slice(0, MAX_THUMBS).map((v) => (
          <button key={`${v.layerId}/${String(v.properties.id)}`} type="button" onClick={() => onPhoto(v)} title={String(v.properties.id ?? "")} data-testid="gallery-item">
            <img src={String(v.properties.thumbnail ?? "")} alt={`Seabed image ${String(v.properties.id ?? "")}`} loading="lazy" />
          </button>
        ))}
      </div>
      {!loading && visible.length === 0 && <p className="muted">Pan or zoom the map to where images were taken.</p>}
    </div>
  );
}

function FullImage({ src, alt }: { src: string; alt: string }) {
  const [state, setState] = useState<"loading" | "ok" | "error">("loading");
  useEffect(() => setState("loading"), [src]);
  return (
    <div style={{ position: "relative" }}>
      {state === "loading" && <Spinner label="Loading image…" />}
      {state === "error" && <div className="error-banner">Could not load the image.</div>}
      <img src={src} alt={alt} onLoad={() => setState("ok")} onError={() => setState("error")} data-testid="photo-image" style={{ display: state === "error" ? "none" : "block" }} />
    </div>
  );
}
