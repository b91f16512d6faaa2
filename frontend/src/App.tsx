/**
 * Application shell: header (sign-in, 2D/3D), side panel (layers, analysis, survey design,
 * photos), the map, and the URL hash that makes any view shareable.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { getJSON } from "./api/client";
import { LOGOUT_URL, loginUrl, useAuth } from "./api/auth";
import type { CollectionSummary, LayerDescriptor, Site } from "./api/types";
import type { Tool } from "./lib/drawing";
import type { LonLat } from "./lib/geometry";
import { initialStack, mergeStack, toUrlLayers, type LayerStack } from "./lib/layerModel";
import { decodeState, encodeState, type ViewState } from "./lib/urlState";
import { useAsync } from "./lib/useAsync";
import { MapView, type Shapes, type ViewChange } from "./map/MapView";
import { LayerPanel } from "./panels/LayerPanel";
import { ErrorBanner, Skeleton, Spinner } from "./panels/Status";
import { usePoints } from "./api/points";
import { Icon } from "./panels/Icon";

const AnalysisPanel = lazy(() => import("./panels/AnalysisPanel"));
const SurveyDesignPanel = lazy(() => import("./panels/SurveyDesignPanel"));
const PhotoPanel = lazy(() => import("./panels/PhotoPanel"));
const ProfileChart = lazy(() => import("./charts/ProfileChart"));

type Tab = "layers" | "analysis" | "design" | "photos";
const TABS: { id: Tab; label: string }[] = [
  { id: "layers", label: "Layers" },
  { id: "analysis", label: "Analysis" },
  { id: "design", label: "Design" },
  { id: "photos", label: "Photos" },
];

/**
 * The MapLibre instance on `window.mpaTwin.map`: for browser tests (projecting lon/lat to pixels)
 * and for people poking at the map from the console. It gives nothing the page does not have.
 */
function exposeMap(map: unknown) {
  (window as unknown as { mpaTwin?: { map: unknown } }).mpaTwin = map ? { map } : undefined;
}

export function App() {
  const initial = useRef<ViewState>(decodeState(window.location.hash)).current;
  const auth = useAuth();
  const layersQ = useAsync(() => getJSON<LayerDescriptor[]>("/api/layers"), [auth.me?.subject ?? null, auth.status]);
  const collectionsQ = useAsync(() => getJSON<CollectionSummary[]>("/api/collections"), [auth.me?.subject ?? null, auth.status]);
  const layers = layersQ.data ?? [];
  const collections = useMemo(() => Object.fromEntries((collectionsQ.data ?? []).map((c) => [c.id, c])), [collectionsQ.data]);

  // Where the map opens comes from the catalogue (/api/site), unless the URL says where to look.
  const siteQ = useAsync(() => getJSON<Site>("/api/site"), []);
  const hadView = useRef(window.location.hash.includes("map=")).current;
  useEffect(() => {
    if (!hadView && siteQ.data?.bbox?.length === 4) setFitTo({ bbox: siteQ.data.bbox, nonce: 0 });
  }, [siteQ.data, hadView]);

  const [stack, setStackState] = useState<LayerStack | null>(null);
  const setStack = useCallback((f: (s: LayerStack) => LayerStack) => setStackState((s) => (s ? f(s) : s)), []);
  useEffect(() => {
    if (!layersQ.data) return;
    setStackState((s) => (s ? mergeStack(s, layersQ.data!) : initialStack(layersQ.data!, initial.layers, initial.styles)));
  }, [layersQ.data, initial]);

  const [view, setView] = useState<ViewChange>({ zoom: initial.zoom, center: initial.center, bearing: initial.bearing, pitch: initial.pitch, bounds: [-180, -85, 180, 85] });
  const [mode, setMode] = useState<"2d" | "3d">(initial.mode);
  const [exaggeration, setExaggeration] = useState(initial.exaggeration);
  const [tab, setTab] = useState<Tab>("layers");
  const [panelOpen, setPanelOpen] = useState(true);
  const [tool, setTool] = useState<Tool>("none");
  const [shapes, setShapes] = useState<Shapes>({});
  const [fitTo, setFitTo] = useState<{ bbox: number[]; nonce: number } | null>(null);
  const [layerErrors, setLayerErrors] = useState<Record<string, string>>({});
  const [photo, setPhoto] = useState<{ layerId: string; properties: Record<string, unknown> } | null>(null);
  const [signInOpen, setSignInOpen] = useState(false);

  // Point layers (image positions, annotated tiles) are fetched once and shared by map, gallery, analysis.
  const visiblePointLayers = useMemo(
    () => layers.filter((l) => l.type === "points" && !l.locked && (stack?.ui[l.id]?.visible || tab !== "layers")).map((l) => l.id),
    [layers, stack, tab],
  );
  const onLayerError = useCallback((id: string, msg: string) => setLayerErrors((e) => (e[id] === msg ? e : { ...e, [id]: msg })), []);
  const points = usePoints(layers, visiblePointLayers, onLayerError);

  // Shareable URL: rewrite the hash (without a history entry) whenever the view changes.
  useEffect(() => {
    if (!stack) return;
    const styles: ViewState["styles"] = {};
    for (const [id, ui] of Object.entries(stack.ui)) if (ui.colormap || ui.rescale) styles[id] = { colormap: ui.colormap, rescale: ui.rescale };
    const hash = encodeState({ zoom: view.zoom, center: view.center, bearing: view.bearing, pitch: view.pitch, layers: toUrlLayers(stack), mode, exaggeration, styles });
    if (hash !== window.location.hash) window.history.replaceState(null, "", hash);
  }, [view, stack, mode, exaggeration]);

  const onDrawn = useCallback((t: Exclude<Tool, "none">, vertices: LonLat[]) => {
    if (t === "polygon") {
      setShapes((s) => ({ ...s, polygon: vertices }));
      setTab("analysis");
      setPanelOpen(true);
    } else setShapes((s) => ({ ...s, transect: vertices }));
  }, []);

  const signedIn = auth.status === "signed-in";
  const bathy = layers.find((l) => l.theme === "bathymetry" && l.type === "raster" && !l.locked);

  return (
    <div className={`app ${panelOpen ? "panel-open" : "panel-closed"}`}>
      <header className="app-header">
        <button type="button" className="icon panel-toggle" aria-expanded={panelOpen} aria-controls="side-panel" onClick={() => setPanelOpen((o) => !o)} aria-label={panelOpen ? "Hide panel" : "Show panel"} data-testid="panel-toggle">
          <Icon name="menu" />
        </button>
        <h1>MPA Twin <span className="site" data-testid="site-title">{siteQ.data?.title && !siteQ.data.title.startsWith("MPA Twin") ? siteQ.data.title : "Haig Fras MCZ"}</span></h1>
        <div className="toolbar" role="toolbar" aria-label="Map tools">
          <button type="button" aria-pressed={tool === "polygon"} onClick={() => setTool(tool === "polygon" ? "none" : "polygon")} data-testid="tool-polygon" title="Draw a polygon to analyse">
            <Icon name="polygon" /> Analyse area
          </button>
          <button type="button" aria-pressed={tool === "transect"} onClick={() => setTool(tool === "transect" ? "none" : "transect")} data-testid="tool-transect" title="Draw a depth transect" disabled={!bathy}>
            <Icon name="transect" /> Transect
          </button>
          {(shapes.polygon || shapes.transect) && (
            <button type="button" onClick={() => setShapes((s) => ({ circle: s.circle }))} data-testid="tool-clear">
              Clear
            </button>
          )}
          <div className="segmented" role="group" aria-label="2D or 3D view">
            <button type="button" aria-pressed={mode === "2d"} onClick={() => setMode("2d")} data-testid="mode-2d">2D</button>
            <button type="button" aria-pressed={mode === "3d"} onClick={() => setMode("3d")} data-testid="mode-3d" disabled={!bathy}>3D</button>
          </div>
          {mode === "3d" && (
            <label className="exaggeration">
              <span>Vertical ×</span>
              <input type="range" min={1} max={20} step={1} value={exaggeration} onChange={(e) => setExaggeration(Number(e.target.value))} data-testid="exaggeration" />
              <output>{exaggeration}</output>
            </label>
          )}
        </div>
        <div className="account">
          {auth.status === "loading" && <Spinner label="" />}
          {signedIn && (
            <>
              <span className="who" data-testid="signed-in-as">{auth.me?.name ?? auth.me?.email ?? auth.me?.subject}</span>
              <a className="button" href={LOGOUT_URL} data-testid="signout">Sign out</a>
            </>
          )}
          {(auth.status === "anonymous" || auth.status === "unavailable") && (
            <button type="button" onClick={() => setSignInOpen(true)} data-testid="signin">Sign in</button>
          )}
        </div>
      </header>

      {signInOpen && !signedIn && (
        <div className="modal-backdrop" onClick={() => setSignInOpen(false)} onKeyDown={(e) => e.key === "Escape" && setSignInOpen(false)}>
          <div className="modal" role="dialog" aria-modal="true" aria-labelledby="signin-title" onClick={(e) => e.stopPropagation()} data-testid="signin-dialog">
            <h2 id="signin-title">Sign in</h2>
            <p>Sign in to see restricted survey layers you have been granted.</p>
            {auth.providers.map((p) => (
              <a key={p.name} className="button provider" href={loginUrl(p)} data-testid={`signin-${p.name}`}>
                Sign in with {p.title}
              </a>
            ))}
            <button type="button" className="link" onClick={() => setSignInOpen(false)} autoFocus>Cancel</button>
          </div>
        </div>
      )}

      <aside id="side-panel" className="side-panel" aria-label="Panels" hidden={!panelOpen}>
        <div className="tabs" role="tablist">
          {TABS.map((t) => (
            <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} onClick={() => setTab(t.id)} data-testid={`tab-${t.id}`}>
              {t.label}
            </button>
          ))}
        </div>
        <div className="tab-body" role="tabpanel">
          {auth.error && <ErrorBanner error={`Sign-in status unknown: ${auth.error}`} onRetry={auth.refresh} />}
          {tab === "layers" && (
            <>
              {layersQ.status === "error" && <ErrorBanner error={layersQ.error} onRetry={layersQ.retry} testid="layers-error" />}
              {!stack && layersQ.status !== "error" && <Skeleton lines={6} />}
              {stack && (
                <LayerPanel
                  layers={layers} collections={collections} stack={stack} setStack={setStack} token={auth.token} signedIn={signedIn}
                  onSignIn={() => setSignInOpen(true)} onZoom={(bbox) => setFitTo({ bbox, nonce: Date.now() })} layerErrors={layerErrors}
                />
              )}
            </>
          )}
          <Suspense fallback={<Spinner />}>
            {tab === "analysis" && (
              <AnalysisPanel layers={layers} points={points} polygon={shapes.polygon ?? null} onDrawPolygon={() => setTool("polygon")} onClearPolygon={() => setShapes((s) => ({ ...s, polygon: null }))} />
            )}
            {tab === "design" && (
              <SurveyDesignPanel layers={layers} points={points} center={view.center} onCircle={(circle: LonLat[] | null) => setShapes((s) => ({ ...s, circle }))} onFit={(bbox: number[]) => setFitTo({ bbox, nonce: Date.now() })} />
            )}
            {tab === "photos" && <PhotoPanel layers={layers} points={points} bounds={view.bounds} photo={photo} onPhoto={setPhoto} token={auth.token} />}
          </Suspense>
        </div>
      </aside>

      <main className="map-area">
        <MapView
          layers={layers} stack={stack ?? { order: [], ui: {} }} points={points} initial={initial} token={auth.token}
          mode={mode} exaggeration={exaggeration} tool={tool} shapes={shapes} fitTo={fitTo}
          onView={setView} onDrawn={onDrawn} onToolEnd={() => setTool("none")}
          onPhoto={(layerId, properties) => { setPhoto({ layerId, properties }); setTab("photos"); setPanelOpen(true); }}
          onLayerError={onLayerError}
          onMap={exposeMap}
        />
        {layersQ.status === "loading" && !layersQ.data && <div className="map-overlay"><Spinner label="Loading layers…" /></div>}
        {shapes.transect && bathy && (
          <Suspense fallback={<div className="profile-panel"><Spinner /></div>}>
            <ProfileChart line={shapes.transect} layer={bathy} token={auth.token} onClose={() => setShapes((s) => ({ ...s, transect: null }))} />
          </Suspense>
        )}
      </main>
    </div>
  );
}
