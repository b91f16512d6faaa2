/**
 * 3D view: MapLibre terrain from the tiler's Terrarium-encoded bathymetry. Loaded with a dynamic
 * import, so the 2D view's initial bundle does not carry it. Every raster and vector layer of
 * the 2D map drapes over the terrain unchanged.
 */
import type { Map as MlMap } from "maplibre-gl";

export const DEM_SOURCE = "terrain-dem";

export function enableTerrain(map: MlMap, tiles: string[], exaggeration: number, maxzoom = 14, bounds?: [number, number, number, number]): void {
  if (!map.getSource(DEM_SOURCE)) {
    map.addSource(DEM_SOURCE, { type: "raster-dem", tiles, tileSize: 256, encoding: "terrarium", maxzoom, bounds });
  }
  map.setTerrain({ source: DEM_SOURCE, exaggeration });
  if ("setSky" in map) {
    map.setSky({ "sky-color": "#0b2a40", "horizon-color": "#1d4e6e", "fog-color": "#0b2a40", "sky-horizon-blend": 0.5 });
  }
  if (map.getPitch() < 30) map.easeTo({ pitch: 60, duration: 600 });
}

export function setExaggeration(map: MlMap, exaggeration: number): void {
  if (map.getTerrain()) map.setTerrain({ source: DEM_SOURCE, exaggeration });
}

export function disableTerrain(map: MlMap): void {
  map.setTerrain(null);
  if (map.getPitch() > 0) map.easeTo({ pitch: 0, duration: 400 });
}
