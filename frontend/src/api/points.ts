/** Point layers' GeoJSON, fetched once per layer and shared by the map, gallery and analysis. */
import { useEffect, useState } from "react";
import { getJSON } from "./client";
import type { LayerDescriptor } from "./types";

/** Image items can carry footprints (polygons): the map and gallery want one point per image. */
export function toPoints(fc: GeoJSON.FeatureCollection): GeoJSON.FeatureCollection {
  return {
    type: "FeatureCollection",
    features: fc.features.flatMap((f) => {
      const g = f.geometry;
      if (!g) return [];
      if (g.type === "Point") return [f];
      const coords: number[][] =
        g.type === "Polygon" ? g.coordinates[0] : g.type === "MultiPolygon" ? g.coordinates.flatMap((p) => p[0]) : g.type === "LineString" ? g.coordinates : [];
      if (!coords.length) return [];
      const xs = coords.map((c) => c[0]);
      const ys = coords.map((c) => c[1]);
      const center = [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
      return [{ ...f, geometry: { type: "Point", coordinates: center } as GeoJSON.Point }];
    }),
  };
}

export type PointData = Record<string, GeoJSON.FeatureCollection | undefined>;

export function usePoints(layers: LayerDescriptor[], wanted: string[], onError?: (layerId: string, message: string) => void): PointData {
  const [data, setData] = useState<PointData>({});
  const key = wanted.join(",");
  useEffect(() => {
    let cancelled = false;
    for (const id of wanted) {
      const layer = layers.find((l) => l.id === id);
      if (!layer?.data || data[id]) continue;
      getJSON<GeoJSON.FeatureCollection>(layer.data).then(
        (fc) => !cancelled && setData((d) => ({ ...d, [id]: toPoints(fc) })),
        (err: Error) => !cancelled && onError?.(id, `Could not load ${layer.title}: ${err.message}`),
      );
    }
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, layers]);
  return data;
}
