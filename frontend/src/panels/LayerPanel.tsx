/**
 * The layer panel: layers from /api/layers grouped by theme, with search, toggles, opacity,
 * colormap and rescale for rasters, legends, an info view, zoom-to-layer, and a lock with a
 * sign-in prompt on restricted layers. Draw order is edited in the "On the map" list.
 */
import { useState } from "react";
import type { CollectionSummary, LayerDescriptor } from "../api/types";
import { THEME_GROUPS, groupOf, matchesFilter, moveLayer, type LayerStack, type LayerUi } from "../lib/layerModel";
import { parseRescale } from "../lib/legend";
import { Legend, effectiveRender } from "./Legend";
import { Icon } from "./Icon";

export const COLORMAPS = ["viridis", "cividis", "plasma", "magma", "inferno", "turbo", "terrain", "gist_earth", "ocean", "ocean_r", "blues", "blues_r", "greys", "greys_r", "rdylbu", "spectral"];

interface Props {
  layers: LayerDescriptor[];
  collections: Record<string, CollectionSummary>;
  stack: LayerStack;
  setStack: (f: (s: LayerStack) => LayerStack) => void;
  token: string | null;
  signedIn: boolean;
  onSignIn: () => void;
  onZoom: (bbox: number[]) => void;
  layerErrors: Record<string, string>;
}

export function LayerPanel(props: Props) {
  const { layers, stack, setStack } = props;
  const [filter, setFilter] = useState("");
  const byId = new Map(layers.map((l) => [l.id, l]));
  const setUi = (id: string, change: Partial<LayerUi>) => setStack((s) => ({ ...s, ui: { ...s.ui, [id]: { ...s.ui[id], ...change } } }));
  const visible = stack.order.filter((id) => stack.ui[id]?.visible && byId.has(id));
  const shown = layers.filter((l) => matchesFilter(l, filter));

  return (
    <div className="layer-panel">
      <label className="search">
        <span className="sr-only">Filter layers</span>
        <input type="search" placeholder="Filter layers…" value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="layer-filter" />
      </label>

      <section aria-label="Layers on the map">
        <h3>On the map</h3>
        {visible.length === 0 && <p className="muted">No layers shown. Tick a layer below.</p>}
        <ol className="draw-order" data-testid="draw-order">
          {visible.map((id, i) => (
            <li key={id} data-testid={`order-${id}`}>
              <span className="order-title" title={byId.get(id)!.title}>{byId.get(id)!.title}</span>
              <button type="button" aria-label={`Move ${byId.get(id)!.title} up`} disabled={i === 0} onClick={() => setStack((s) => ({ ...s, order: moveLayer(s.order, (x) => !!s.ui[x]?.visible && byId.has(x), id, -1) }))} data-testid={`layer-up-${id}`}>
                <Icon name="up" size={12} />
              </button>
              <button type="button" aria-label={`Move ${byId.get(id)!.title} down`} disabled={i === visible.length - 1} onClick={() => setStack((s) => ({ ...s, order: moveLayer(s.order, (x) => !!s.ui[x]?.visible && byId.has(x), id, 1) }))} data-testid={`layer-down-${id}`}>
                <Icon name="down" size={12} />
              </button>
            </li>
          ))}
        </ol>
      </section>

      <div data-testid="layer-list">
        {THEME_GROUPS.map((g) => {
          const members = shown.filter((l) => groupOf(l.theme) === g.theme);
          if (!members.length) return null;
          return (
            <section key={g.theme} className="layer-group" data-testid={`layer-group-${g.theme}`}>
              <h3>{g.title}</h3>
              <ul>
                {members.map((l) => (
                  <LayerRow key={l.id} layer={l} ui={stack.ui[l.id] ?? { visible: false, opacity: 1 }} setUi={(c) => setUi(l.id, c)} collection={props.collections[l.id]} {...props} />
                ))}
              </ul>
            </section>
          );
        })}
        {shown.length === 0 && <p className="muted">No layer matches “{filter}”.</p>}
      </div>
    </div>
  );
}

function LayerRow({ layer, ui, setUi, collection, token, signedIn, onSignIn, onZoom, layerErrors }: Props & { layer: LayerDescriptor; ui: LayerUi; setUi: (c: Partial<LayerUi>) => void; collection?: CollectionSummary }) {
  const [open, setOpen] = useState<"none" | "style" | "info">("none");
  const { colormap, rescale } = effectiveRender(layer, ui);
  const [rescaleText, setRescaleText] = useState(rescale ? rescale.join(",") : "");
  const rescaleValid = rescaleText === "" || parseRescale(rescaleText) !== null;
  const error = layerErrors[layer.id];

  if (layer.locked) {
    return (
      <li className="layer-row locked" data-testid={`layer-${layer.id}`}>
        <div className="layer-head">
          <span className="lock"><Icon name="lock" title="Restricted" /></span>
          <span className="layer-title" title={layer.title}>{layer.title}</span>
        </div>
        <p className="muted small" data-testid={`locked-${layer.id}`}>
          Restricted data.{" "}
          {signedIn ? (
            "You have no grant for this layer: ask its depositor."
          ) : (
            <button type="button" className="link" onClick={onSignIn} data-testid={`signin-prompt-${layer.id}`}>
              Sign in to see it
            </button>
          )}
        </p>
      </li>
    );
  }

  return (
    <li className={`layer-row ${ui.visible ? "on" : ""}`} data-testid={`layer-${layer.id}`}>
      <div className="layer-head">
        <label className="toggle">
          <input type="checkbox" checked={ui.visible} onChange={(e) => setUi({ visible: e.target.checked })} data-testid={`layer-toggle-${layer.id}`} />
          <span className="layer-title" title={layer.title}>{layer.title}</span>
        </label>
        {layer.access === "restricted" && <span className="badge" title="Restricted: you have access">restricted</span>}
        <button type="button" className="icon" aria-label={`Zoom to ${layer.title}`} title="Zoom to layer" onClick={() => onZoom(layer.bbox)} data-testid={`layer-zoom-${layer.id}`}>
          <Icon name="zoom" />
        </button>
        {layer.type === "raster" && (
          <button type="button" className="icon" aria-expanded={open === "style"} aria-label={`Style of ${layer.title}`} title="Colormap and range" onClick={() => setOpen(open === "style" ? "none" : "style")} data-testid={`layer-style-${layer.id}`}>
            <Icon name="palette" />
          </button>
        )}
        <button type="button" className="icon" aria-expanded={open === "info"} aria-label={`About ${layer.title}`} title="About this layer" onClick={() => setOpen(open === "info" ? "none" : "info")} data-testid={`layer-info-${layer.id}`}>
          <Icon name="info" />
        </button>
      </div>
      {error && <div className="error-banner small" role="alert">{error}</div>}
      {ui.visible && (
        <>
          <label className="opacity">
            <span>Opacity</span>
            <input type="range" min={0} max={1} step={0.05} value={ui.opacity} onChange={(e) => setUi({ opacity: Number(e.target.value) })} aria-label={`Opacity of ${layer.title}`} data-testid={`layer-opacity-${layer.id}`} />
            <output>{Math.round(ui.opacity * 100)}%</output>
          </label>
          <Legend layer={layer} ui={ui} token={token} />
        </>
      )}
      {open === "style" && layer.type === "raster" && (
        <div className="layer-style">
          <label>
            Colormap
            <select value={colormap ?? ""} onChange={(e) => setUi({ colormap: e.target.value })} data-testid={`layer-colormap-${layer.id}`}>
              {[...new Set([colormap ?? "", ...COLORMAPS])].filter(Boolean).map((c) => (
                <option key={c} value={c}>{c}</option>
              ))}
            </select>
          </label>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const r = parseRescale(rescaleText);
              if (r) setUi({ rescale: r });
            }}
          >
            <label>
              Range (min,max {layer.legend?.units ?? ""})
              <input value={rescaleText} onChange={(e) => setRescaleText(e.target.value)} aria-invalid={!rescaleValid} data-testid={`layer-rescale-${layer.id}`} />
            </label>
            <button type="submit" disabled={!rescaleValid}>Apply</button>
            <button type="button" onClick={() => { setUi({ colormap: undefined, rescale: undefined }); setRescaleText((layer.legend?.rescale ?? []).join(",")); }}>Reset</button>
            {!rescaleValid && <span className="field-error">Enter two numbers, min below max, e.g. -120,-40</span>}
          </form>
        </div>
      )}
      {open === "info" && <LayerInfo layer={layer} collection={collection} />}
    </li>
  );
}

function LayerInfo({ layer, collection }: { layer: LayerDescriptor; collection?: CollectionSummary }) {
  const [from, to] = collection?.datetime ?? [];
  return (
    <dl className="layer-info" data-testid={`layer-info-panel-${layer.id}`}>
      {collection?.description && (<><dt>Description</dt><dd>{collection.description}</dd></>)}
      <dt>Licence</dt>
      <dd>{collection?.license ?? "not stated"}</dd>
      <dt>Survey</dt>
      <dd>{collection?.survey ?? "–"}</dd>
      <dt>Survey dates</dt>
      <dd>{from || to ? `${(from ?? "…").slice(0, 10)} – ${(to ?? "…").slice(0, 10)}` : "not stated"}</dd>
      <dt>Provenance</dt>
      <dd>
        {layer.kind} layer, {layer.items.length} item{layer.items.length === 1 ? "" : "s"}; STAC: <a href={`/api/stac/collections/${layer.id}`} target="_blank" rel="noreferrer">collection record</a>
      </dd>
      <dt>Access</dt>
      <dd>{layer.access}</dd>
    </dl>
  );
}
