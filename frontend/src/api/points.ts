/** Point layers' GeoJSON, fetched once per layer and shared by the map, gallery and analysis. */
import { useEffect, useState } from "react";
import { getJSON } from "./client";
import type { LayerDescriptor } from "./types";

export type PointData = Record<string, GeoJSON.FeatureCollection | undefined>;

export function usePoints(layers: LayerDescriptor[], wanted: string[]): PointData {
  const [data, setData] = useState<PointData>({});
  const key = wanted.join(",");
  useEffect(() => {
    let cancelled = false;
    for (const id of wanted) {
      const layer = layers.find((l) => l.id === id);
      if (!layer?.data || data[id]) continue;
      getJSON<GeoJSON.FeatureCollection>(layer.data).then(
        (fc) => !cancelled && setData((d) => ({ ...d, [id]: fc })),
        () => undefined,
      );
    }
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, layers]);
  return data;
}
