"""The tile matrix sets the tiler offers, and the size of their matrices (to validate z/x/y)."""

from __future__ import annotations

from functools import lru_cache

from morecantile import TileMatrixSets
from morecantile import tms as default_tms

SUPPORTED_TMS: TileMatrixSets = TileMatrixSets(
    {k: v for k, v in default_tms.tilematrixsets.items() if k in ("WebMercatorQuad", "WorldCRS84Quad")}
)


@lru_cache(maxsize=256)
def tile_matrix_size(tms_id: str, zoom: int) -> tuple[int, int] | None:
    """(matrixWidth, matrixHeight) at ``zoom``, or None when the set or the zoom does not exist."""
    if tms_id not in SUPPORTED_TMS.list():
        return None
    tms = SUPPORTED_TMS.get(tms_id)
    if not (tms.minzoom <= zoom <= tms.maxzoom):
        return None
    matrix = tms.matrix(zoom)
    return matrix.matrixWidth, matrix.matrixHeight
