"""Statistics routes over the annotation tables."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from ..auth.deps import Principal, current_principal, ensure_can_read
from ..catalog import Snapshot, get_catalogue, get_collection
from ..tables import annotation_table, taxa_of

router = APIRouter(prefix="/api/stats", tags=["statistics"])


class SubstratumDensity(BaseModel):
    substratum: str
    images: int
    area_m2: float
    individuals: int
    density_per_m2: float


@router.get("/{collection_id}/density", response_model=list[SubstratumDensity])
def density_by_substratum(
    collection_id: str,
    snapshot: Snapshot = Depends(get_catalogue),
    principal: Principal | None = Depends(current_principal),
) -> list[SubstratumDensity]:
    """Pooled density (all taxa, individuals per m² of seabed) per substratum."""
    collection = get_collection(snapshot, collection_id)
    ensure_can_read(principal, collection)
    frame = annotation_table(collection)
    taxa = taxa_of(collection, frame)
    frame = frame.assign(_n=frame[taxa].sum(axis=1))
    grouped = frame.groupby("substratum", sort=True).agg(images=("_n", "size"), area=("area_seabed_m2", "sum"), n=("_n", "sum"))
    return [
        SubstratumDensity(substratum=s, images=int(r.images), area_m2=float(r.area), individuals=int(r.n),
                          density_per_m2=float(r.n / r.area))
        for s, r in grouped.iterrows()
    ]
