/**
 * The basemap, built only from our own data: a sea-coloured background, the bathymetry as
 * hillshade (the tiler's `algorithm=hillshade`) and the MPA boundary. No glyphs, sprites or
 * external style: the twin works offline and on a ship.
 */
import type { StyleSpecification } from "maplibre-gl";
import type { LayerDescriptor } from "../api/types";
import { absolute, algorithmTemplate } from "../lib/tileUrl";

export const BASE_BACKGROUND = "#0b2a40";

export function emptyStyle(): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": BASE_BACKGROUND } }],
  };
}

/** The bathymetry layer the basemap, depth read-out and 3D terrain come from. */
export function pickBathymetry(layers: LayerDescriptor[]): LayerDescriptor | undefined {
  return layers.find((l) => l.theme === "bathymetry" && l.type === "raster" && !l.locked && l.tiles.length > 0);
}

export function pickBoundary(layers: LayerDescriptor[]): LayerDescriptor | undefined {
  return layers.find((l) => l.theme === "boundary" && l.type === "vector" && !l.locked && l.tiles.length > 0);
}

export function hillshadeTiles(bathy: LayerDescriptor, origin: string): string[] {
  return bathy.tiles.map((t) => absolute(algorithmTemplate(t, "hillshade", { buffer: "3" }), origin));
}

export function terrariumTiles(bathy: LayerDescriptor, origin: string): string[] {
  return bathy.tiles.map((t) => absolute(algorithmTemplate(t, "terrarium", { buffer: null }), origin));
}
