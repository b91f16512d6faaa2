"""Positions of seabed images and annotated image tiles as GeoJSON, for map points and popups."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from ..auth.deps import Principal, current_principal, ensure_can_read
from ..catalog import Snapshot, get_catalogue, get_collection
from ..settings import get_settings
from ..tables import annotation_table, taxa_of

router = APIRouter(prefix="/api", tags=["catalogue"])


@router.get("/collections/{collection_id}/points")
def points(
    collection_id: str,
    snapshot: Snapshot = Depends(get_catalogue),
    principal: Principal | None = Depends(current_principal),
) -> dict[str, Any]:
    collection = get_collection(snapshot, collection_id)
    ensure_can_read(principal, collection)
    features: list[dict[str, Any]] = []
    if collection.kind == "images":
        tiler = get_settings().tiler_url.rstrip("/")
        for item in collection.items.values():
            props = {k: v for k, v in item.stac["properties"].items() if not k.startswith(("proj:", "raster:"))}
            props["id"] = item.id
            props["thumbnail"] = f"/api/collections/{collection.id}/items/{item.id}/thumbnail"
            props["preview"] = f"{tiler}/collections/{collection.id}/items/{item.id}/preview.jpg?assets=data&max_size=1024"
            features.append({"type": "Feature", "geometry": item.stac["geometry"], "properties": props})
    elif collection.kind == "table":
        frame = annotation_table(collection)
        taxa = taxa_of(collection, frame)
        total = frame[taxa].sum(axis=1).to_numpy()
        richness = (frame[taxa] > 0).sum(axis=1).to_numpy()
        for i, row in enumerate(frame[["id_image", "longitude", "latitude", "substratum", "habitat", "area_seabed_m2"]].itertuples(index=False)):
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(row.longitude), float(row.latitude)]},
                "properties": {"id_image": row.id_image, "substratum": row.substratum, "habitat": row.habitat,
                               "area_seabed_m2": float(row.area_seabed_m2), "individuals": int(total[i]),
                               "richness": int(richness[i])},
            })
    else:
        raise HTTPException(422, f"collection {collection_id!r} has no point positions (kind {collection.kind!r})")
    return {"type": "FeatureCollection", "features": features}
