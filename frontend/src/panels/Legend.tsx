/**
 * Legends that match the tiles: the colour bar image comes from the tiler's own legend endpoint
 * for the same colormap and rescale the tiles use; tick labels come from the same rescale.
 */
import { useState } from "react";
import type { LayerDescriptor } from "../api/types";
import type { LayerUi } from "../lib/layerModel";
import { classSwatches, legendTicks } from "../lib/legend";
import { legendUrl, withToken } from "../lib/tileUrl";
import { POINT_COLORS } from "../map/mapLayers";

export function effectiveRender(layer: LayerDescriptor, ui: LayerUi): { colormap: string | null; rescale: [number, number] | null } {
  const r = layer.legend?.rescale ?? (Array.isArray(layer.render.rescale) ? (layer.render.rescale as number[][])[0] : null);
  return {
    colormap: ui.colormap ?? layer.legend?.colormap_name ?? (layer.render.colormap_name as string | undefined) ?? null,
    rescale: ui.rescale ?? (r && r.length === 2 ? [Number(r[0]), Number(r[1])] : null),
  };
}

export function Legend({ layer, ui, token }: { layer: LayerDescriptor; ui: LayerUi; token: string | null }) {
  const [failed, setFailed] = useState<string | null>(null);
  const spec = layer.legend;
  if (!spec) return null;
  if (spec.type === "continuous" || layer.type === "raster") {
    const { colormap, rescale } = effectiveRender(layer, ui);
    if (!colormap) return <div className="legend muted" data-testid={`legend-${layer.id}`}>Image layer (true colour)</div>;
    const url = withToken(legendUrl(colormap, rescale), token);
    const ticks = rescale ? legendTicks(rescale[0], rescale[1], spec.units) : [];
    return (
      <div className="legend" data-testid={`legend-${layer.id}`}>
        {failed === url ? (
          <div className="legend-bar legend-bar-missing">colour bar unavailable</div>
        ) : (
          <img className="legend-bar" src={url} alt={`Colour bar ${colormap}`} onError={() => setFailed(url)} data-testid={`legend-bar-${layer.id}`} />
        )}
        <div className="legend-ticks" aria-label="Colour bar values">
          {ticks.map((t) => (
            <span key={t.value} style={{ left: `${t.fraction * 100}%` }}>
              {t.label}
            </span>
          ))}
        </div>
        {spec.units && <div className="legend-units">{colormap} · {spec.units}</div>}
      </div>
    );
  }
  if (spec.type === "classes") {
    const swatches = classSwatches(spec.classes);
    return (
      <ul className="legend legend-classes" data-testid={`legend-${layer.id}`}>
        {swatches.length === 0 && (
          <li>
            {layer.theme === "boundary" ? <span className="swatch-line" aria-hidden="true" /> : <span className="swatch" style={{ background: "#4fc3a1" }} />}
            {layer.theme === "boundary" ? "boundary" : "polygons"}
          </li>
        )}
        {swatches.map((s) => (
          <li key={s.key}>
            <span className="swatch" style={{ background: s.color }} />
            {s.label}
          </li>
        ))}
      </ul>
    );
  }
  return (
    <div className="legend legend-classes" data-testid={`legend-${layer.id}`}>
      <span className="swatch round" style={{ background: POINT_COLORS[layer.theme] ?? "#fff" }} />
      {layer.kind === "table" ? "annotated image tile (size: individuals)" : "seabed image position"}
    </div>
  );
}
