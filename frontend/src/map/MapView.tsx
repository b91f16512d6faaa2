/**
 * The map: MapLibre with our own basemap, the panel's layers, the drawing tools, popups and the
 * position/depth read-out. Imperative MapLibre state lives here; everything else comes in as props.
 */
import { useEffect, useRef, useState } from "react";
import maplibregl from "maplibre-gl";
import type { Map as MlMap, MapMouseEvent } from "maplibre-gl";
import type { LayerDescriptor } from "../api/types";
import type { LayerStack } from "../lib/layerModel";
import { drawReducer, IDLE, previewFeatures, type DrawState, type Tool } from "../lib/drawing";
import { closeRing, type LonLat } from "../lib/geometry";
import { readPoint } from "../lib/pointValue";
import { isTilerUrl, withToken } from "../lib/tileUrl";
import { emptyStyle, hillshadeTiles, pickBathymetry, pickBoundary, terrariumTiles } from "./baseStyle";
import { LayerSync, bounds } from "./mapLayers";
import { popupContent } from "./popups";

export interface ViewChange {
  zoom: number;
  center: [number, number];
  bearing: number;
  pitch: number;
  bounds: [number, number, number, number];
}

export interface Shapes {
  polygon?: LonLat[] | null;
  transect?: LonLat[] | null;
  circle?: LonLat[] | null;
}

export interface MapViewProps {
  layers: LayerDescriptor[];
  stack: LayerStack;
  points: Record<string, GeoJSON.FeatureCollection | undefined>;
  initial: { zoom: number; center: [number, number]; bearing: number; pitch: number };
  token: string | null;
  mode: "2d" | "3d";
  exaggeration: number;
  tool: Tool;
  shapes: Shapes;
  fitTo: { bbox: number[]; nonce: number } | null;
  onView: (v: ViewChange) => void;
  onDrawn: (tool: Exclude<Tool, "none">, vertices: LonLat[]) => void;
  onToolEnd: () => void;
  onPhoto: (layerId: string, properties: Record<string, unknown>) => void;
  onLayerError: (layerId: string, message: string) => void;
  onMap?: (map: MlMap | null) => void;
}

const DRAW_LAYERS = ["shape-fill", "shape-line", "shape-circle-fill", "shape-circle-line", "draw-fill", "draw-line", "draw-vertex"];

export function MapView(props: MapViewProps) {
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MlMap | null>(null);
  const syncRef = useRef<LayerSync | null>(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const tokenRef = useRef<string | null>(props.token);
  tokenRef.current = props.token;
  const [styleReady, setStyleReady] = useState(false);
  const [draw, setDraw] = useState<DrawState>(IDLE);
  const drawRef = useRef(draw);
  drawRef.current = draw;
  const cursorRef = useRef<LonLat | null>(null);
  const [cursor, setCursor] = useState<LonLat | null>(null);
  const [depth, setDepth] = useState<{ at: LonLat; value: number | null } | null>(null);
  const [terrainState, setTerrainState] = useState<"off" | "loading" | "on" | "error">("off");

  // Create the map once.
  useEffect(() => {
    const origin = window.location.origin;
    const map = new maplibregl.Map({
      container: container.current!,
      style: emptyStyle(),
      center: props.initial.center,
      zoom: props.initial.zoom,
      bearing: props.initial.bearing,
      pitch: props.initial.pitch,
      maxPitch: 85,
      attributionControl: false,
      // The tiler token rides on every tile request to our tiler, and only there.
      transformRequest: (url) => (isTilerUrl(url, origin) && tokenRef.current ? { url: withToken(url, tokenRef.current, origin) } : { url }),
    });
    mapRef.current = map;
    map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");
    map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: "MPA Twin — survey data © their depositors" }));
    syncRef.current = new LayerSync(map, origin, () => tokenRef.current, (id, msg) => propsRef.current.onLayerError(id, msg));
    const emitView = () => {
      const b = map.getBounds();
      const c = map.getCenter();
      propsRef.current.onView({
        zoom: map.getZoom(), center: [c.lng, c.lat], bearing: map.getBearing(), pitch: map.getPitch(),
        bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
      });
    };
    map.on("load", () => {
      map.addSource("shapes", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
      map.addSource("draw", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
      map.addLayer({ id: "shape-fill", type: "fill", source: "shapes", filter: ["==", ["get", "role"], "polygon"], paint: { "fill-color": "#ffb300", "fill-opacity": 0.18 } });
      map.addLayer({ id: "shape-line", type: "line", source: "shapes", paint: { "line-color": ["match", ["get", "role"], "transect", "#ff5252", "circle", "#80deea", "#ffb300"], "line-width": 2.5 } });
      map.addLayer({ id: "shape-circle-fill", type: "fill", source: "shapes", filter: ["==", ["get", "role"], "circle"], paint: { "fill-color": "#80deea", "fill-opacity": 0.25 } });
      map.addLayer({ id: "shape-circle-line", type: "line", source: "shapes", filter: ["==", ["get", "role"], "circle"], paint: { "line-color": "#80deea", "line-width": 1 } });
      map.addLayer({ id: "draw-fill", type: "fill", source: "draw", filter: ["==", ["get", "role"], "fill"], paint: { "fill-color": "#ffb300", "fill-opacity": 0.12 } });
      map.addLayer({ id: "draw-line", type: "line", source: "draw", filter: ["==", ["get", "role"], "line"], paint: { "line-color": "#ffb300", "line-width": 2, "line-dasharray": [2, 1] } });
      map.addLayer({ id: "draw-vertex", type: "circle", source: "draw", filter: ["==", ["get", "role"], "vertex"], paint: { "circle-color": "#ffb300", "circle-radius": 4, "circle-stroke-color": "#000", "circle-stroke-width": 1 } });
      setStyleReady(true);
      emitView();
    });
    map.on("moveend", emitView);
    map.on("error", (e) => {
      // Tile errors surface per layer; a missing tile outside the data is not worth a banner.
      const status = (e.error as { status?: number } | undefined)?.status;
      if (status === 404 || status === 204) return;
      const sourceId = (e as unknown as { sourceId?: string }).sourceId;
      if (sourceId?.startsWith("src-")) propsRef.current.onLayerError(sourceId.slice(4), `${e.error?.message ?? "tile error"}`);
    });
    props.onMap?.(map);
    return () => {
      props.onMap?.(null);
      map.remove();
      mapRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Basemap: hillshade of the bathymetry and the MPA boundary, once the layer list is known.
  const bathy = pickBathymetry(props.layers);
  const boundary = pickBoundary(props.layers);
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !styleReady) return;
    const origin = window.location.origin;
    if (bathy && !map.getSource("base-hillshade")) {
      map.addSource("base-hillshade", { type: "raster", tiles: hillshadeTiles(bathy, origin), tileSize: 256, minzoom: bathy.minzoom, maxzoom: bathy.maxzoom, bounds: bounds(bathy.bbox) });
      map.addLayer({ id: "base-hillshade", type: "raster", source: "base-hillshade", paint: { "raster-opacity": 0.8, "raster-brightness-max": 0.55, "raster-contrast": 0.2, "raster-fade-duration": 0 } }, map.getStyle().layers[1]?.id);
    }
    if (boundary && !map.getSource("base-boundary")) {
      map.addSource("base-boundary", { type: "vector", tiles: boundary.tiles.map((t) => (t.startsWith("/") ? origin + t : t)), minzoom: boundary.minzoom, maxzoom: boundary.maxzoom, bounds: bounds(boundary.bbox) });
      fetch(withToken(boundary.tilejson ?? "", tokenRef.current))
        .then((r) => (r.ok ? r.json() : { vector_layers: [] }))
        .then((tj: { vector_layers?: { id: string }[] }) => {
          for (const vl of tj.vector_layers ?? []) {
            const id = `base-boundary-${vl.id}`;
            if (map.getLayer(id)) continue;
            map.addLayer({ id, type: "line", source: "base-boundary", "source-layer": vl.id, paint: { "line-color": "#e0f7fa", "line-width": 1.2, "line-opacity": 0.7 } }, "shape-fill");
          }
        })
        .catch(() => undefined);
    }
  }, [styleReady, bathy?.id, boundary?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  // Data layers.
  useEffect(() => {
    if (!styleReady || !syncRef.current) return;
    syncRef.current.sync(props.layers, props.stack, props.points, DRAW_LAYERS);
  }, [styleReady, props.layers, props.stack, props.points]);

  // Shapes drawn earlier (analysed polygon, transect, sample-unit circle).
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !styleReady) return;
    const features: GeoJSON.Feature[] = [];
    const { polygon, transect, circle } = props.shapes;
    if (polygon) features.push({ type: "Feature", properties: { role: "polygon" }, geometry: { type: "Polygon", coordinates: [closeRing(polygon)] } });
    if (transect) features.push({ type: "Feature", properties: { role: "transect" }, geometry: { type: "LineString", coordinates: transect } });
    if (circle) features.push({ type: "Feature", properties: { role: "circle" }, geometry: { type: "Polygon", coordinates: [circle] } });
    (map.getSource("shapes") as maplibregl.GeoJSONSource | undefined)?.setData({ type: "FeatureCollection", features });
  }, [styleReady, props.shapes]);

  // Zoom to a layer on request.
  useEffect(() => {
    const map = mapRef.current;
    const b = props.fitTo?.bbox;
    if (!map || !b || b.length < 4) return;
    const [w, s, e, n] = b.length === 6 ? [b[0], b[1], b[3], b[4]] : b;
    map.fitBounds([[w, s], [e, n]], { padding: e - w < 0.001 ? 220 : 40, maxZoom: e - w < 0.001 ? 20 : 16, duration: 600 });
  }, [props.fitTo]);

  // 3D terrain, loaded on demand.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !styleReady) return;
    let cancelled = false;
    if (props.mode === "3d") {
      if (!bathy) return;
      setTerrainState("loading");
      import("./terrain3d")
        .then((t) => {
          if (cancelled) return;
          // Relief finer than ~5 m/px adds requests, not shape: MapLibre overzooms the DEM beyond z15.
          t.enableTerrain(map, terrariumTiles(bathy, window.location.origin), props.exaggeration, Math.min(bathy.maxzoom, 15), bounds(bathy.bbox));
          setTerrainState("on");
        })
        .catch(() => !cancelled && setTerrainState("error"));
    } else if (map.getTerrain()) {
      import("./terrain3d").then((t) => !cancelled && t.disableTerrain(map));
      setTerrainState("off");
    }
    return () => {
      cancelled = true;
    };
  }, [styleReady, props.mode, bathy?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const map = mapRef.current;
    if (map && props.mode === "3d" && map.getTerrain()) import("./terrain3d").then((t) => t.setExaggeration(map, props.exaggeration));
  }, [props.exaggeration, props.mode]);

  // Drawing tool: start/stop from the toolbar.
  useEffect(() => {
    const map = mapRef.current;
    setDraw(drawReducer(IDLE, props.tool === "none" ? { type: "cancel" } : { type: "start", tool: props.tool }).state);
    if (!map) return;
    if (props.tool === "none") map.doubleClickZoom.enable();
    else map.doubleClickZoom.disable();
    map.getCanvas().style.cursor = props.tool === "none" ? "" : "crosshair";
  }, [props.tool]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !styleReady) return;
    (map.getSource("draw") as maplibregl.GeoJSONSource | undefined)?.setData(previewFeatures(draw, cursor));
  }, [draw, cursor, styleReady]);

  // Pointer and keyboard handlers, bound once; they read the latest state through refs.
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    const dispatch = (event: Parameters<typeof drawReducer>[1]) => {
      const result = drawReducer(drawRef.current, event);
      drawRef.current = result.state;
      setDraw(result.state);
      if (result.done) {
        propsRef.current.onDrawn(result.done.tool, result.done.vertices);
        propsRef.current.onToolEnd();
      }
    };
    const onClick = (e: MapMouseEvent) => {
      const at: LonLat = [e.lngLat.lng, e.lngLat.lat];
      if (drawRef.current.tool !== "none") {
        const first = drawRef.current.vertices[0];
        const nearFirst = first ? dist(map.project(first), e.point) < 10 : false;
        dispatch({ type: "click", at, nearFirst });
        return;
      }
      showPopup(map, e);
    };
    const onDblClick = (e: MapMouseEvent) => {
      if (drawRef.current.tool === "none") return;
      e.preventDefault();
      dispatch({ type: "finish" });
    };
    const onKey = (e: KeyboardEvent) => {
      if (drawRef.current.tool === "none") return;
      if (e.key === "Escape") {
        dispatch({ type: "cancel" });
        propsRef.current.onToolEnd();
      } else if (e.key === "Enter") dispatch({ type: "finish" });
      else if (e.key === "Backspace") dispatch({ type: "undo" });
    };
    const showPopup = (m: MlMap, e: MapMouseEvent) => {
      const sync = syncRef.current;
      if (!sync) return;
      const { layers, stack } = propsRef.current;
      const ids = stack.order.filter((id) => stack.ui[id]?.visible).flatMap((id) => sync.layerIdsOf(id)).filter((lid) => m.getLayer(lid) && m.getLayer(lid)!.type !== "raster");
      if (!ids.length) return;
      const box: [maplibregl.PointLike, maplibregl.PointLike] = [[e.point.x - 4, e.point.y - 4], [e.point.x + 4, e.point.y + 4]];
      const hit = m.queryRenderedFeatures(box, { layers: ids })[0];
      if (!hit) return;
      const layerId = layers.find((l) => sync.layerIdsOf(l.id).includes(hit.layer.id));
      if (!layerId) return;
      const content = popupContent(layerId, hit.properties ?? {}, (props) => propsRef.current.onPhoto(layerId.id, props));
      new maplibregl.Popup({ closeButton: true, maxWidth: "280px" }).setLngLat(e.lngLat).setDOMContent(content).addTo(m);
    };
    map.on("click", onClick);
    map.on("dblclick", onDblClick);
    window.addEventListener("keydown", onKey);
    return () => {
      map.off("click", onClick);
      map.off("dblclick", onDblClick);
      window.removeEventListener("keydown", onKey);
    };
  }, []);

  // Cursor position and depth under it: at most one point request in flight, newest position wins.
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    let inFlight = false;
    let lastSent = 0;
    let timer: number | undefined;
    const query = () => {
      const at = cursorRef.current;
      const b = pickBathymetry(propsRef.current.layers);
      if (!at || !b || inFlight) return;
      const wait = 150 - (performance.now() - lastSent);
      if (wait > 0) {
        window.clearTimeout(timer);
        timer = window.setTimeout(query, wait);
        return;
      }
      inFlight = true;
      lastSent = performance.now();
      readPoint(b.tiles[0], at, tokenRef.current)
        .then((value) => setDepth({ at, value }))
        .catch(() => setDepth({ at, value: null }))
        .finally(() => {
          inFlight = false;
          if (cursorRef.current !== at) query();
        });
    };
    const onMove = (e: MapMouseEvent) => {
      const at: LonLat = [e.lngLat.lng, e.lngLat.lat];
      cursorRef.current = at;
      setCursor(at);
      query();
    };
    const onOut = () => {
      cursorRef.current = null;
      setCursor(null);
    };
    map.on("mousemove", onMove);
    map.on("mouseout", onOut);
    return () => {
      window.clearTimeout(timer);
      map.off("mousemove", onMove);
      map.off("mouseout", onOut);
    };
  }, []);

  const units = bathy?.legend?.units ?? "m";
  return (
    <div className="map-wrap">
      <div ref={container} className="map" data-testid="map" role="region" aria-label="Map of the marine protected area" />
      {!styleReady && <div className="map-loading" data-testid="map-loading">Loading map…</div>}
      {draw.message && (
        <div className="draw-hint" role="status" data-testid="draw-hint">
          {draw.message} · Esc to cancel
        </div>
      )}
      {terrainState === "loading" && <div className="map-badge">Loading 3D terrain…</div>}
      {terrainState === "error" && <div className="map-badge error">3D terrain failed to load</div>}
      {props.mode === "3d" && terrainState === "on" && <div className="map-badge" data-testid="terrain-on">3D terrain ×{props.exaggeration}</div>}
      <div className="cursor-readout" data-testid="cursor-readout" aria-live="off">
        {cursor ? (
          <>
            <span>{formatLat(cursor[1])} {formatLon(cursor[0])}</span>
            <span data-testid="cursor-depth">
              {depth && depth.value !== null ? (depth.value <= 0 ? `depth ${Math.abs(depth.value).toFixed(1)} ${units}` : `${depth.value.toFixed(1)} ${units}`) : "depth –"}
            </span>
          </>
        ) : (
          <span>Move over the map for position and depth</span>
        )}
      </div>
    </div>
  );
}

function dist(a: { x: number; y: number }, b: { x: number; y: number }) {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

export function formatLat(lat: number) {
  return `${Math.abs(lat).toFixed(5)}°${lat >= 0 ? "N" : "S"}`;
}
export function formatLon(lon: number) {
  return `${Math.abs(lon).toFixed(5)}°${lon >= 0 ? "E" : "W"}`;
}
