"""Legends whose colours are exactly those of the tiles.

Why render rather than describe: the colour bar is produced by the same rio-tiler pipeline as a
tile (``ImageData.rescale`` → uint8 → colormap lookup → PNG), from a ramp of data values, so a
depth in the legend has, bit for bit, the colour that depth has on the map. The JSON variant
lists the stops (value → colour) read from that same rescaled ramp.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Response
from rio_tiler.models import ImageData

from mpa_tiler.colormaps import cmap


def _parse_rescale(rescale: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in rescale.split(","))
    except ValueError:
        raise HTTPException(status_code=400, detail=f"rescale={rescale!r} must be 'min,max'") from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo == hi:
        raise HTTPException(status_code=400, detail=f"rescale={rescale!r} needs two different finite numbers")
    return lo, hi


def legend_ramp(lo: float, hi: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` data values from lo to hi and their rescaled uint8 indices, exactly as a tile gets them."""
    values = np.linspace(lo, hi, n, dtype="float64")
    image = ImageData(values.astype("float32").reshape(1, 1, n))
    image.rescale(in_range=[(lo, hi)])
    return values, np.asarray(image.array.data[0, 0], dtype="uint8")


def create_legend_router() -> APIRouter:
    router = APIRouter()

    @router.get("/tiles/legend", responses={200: {"content": {"image/png": {}, "application/json": {}}}})
    def legend(
        colormap_name: Annotated[Literal[tuple(cmap.list())], Query(description="Colormap name")],  # type: ignore
        rescale: Annotated[str, Query(description="min,max of the data range, as for the tiles")],
        f: Annotated[Literal["png", "json"], Query(description="png colour bar or json stops")] = "png",
        width: Annotated[int, Query(ge=2, le=1024)] = 256,
        height: Annotated[int, Query(ge=1, le=256)] = 16,
        orientation: Annotated[Literal["horizontal", "vertical"], Query()] = "horizontal",
        stops: Annotated[int, Query(ge=2, le=256, description="number of stops in the json variant")] = 11,
    ):
        lo, hi = _parse_rescale(rescale)
        colors = cmap.get(colormap_name)
        if f == "json":
            values, idx = legend_ramp(lo, hi, stops)
            out = []
            for v, i in zip(values, idx):
                r, g, b, a = (int(c) for c in colors[int(i)])
                out.append({"value": float(v), "color": f"#{r:02x}{g:02x}{b:02x}", "rgba": [r, g, b, a]})
            return {"colormap_name": colormap_name, "rescale": [lo, hi], "stops": out}
        if orientation == "horizontal":
            arr = np.broadcast_to(np.linspace(lo, hi, width), (height, width))
        else:  # high values on top, as on a depth scale read downwards
            arr = np.broadcast_to(np.linspace(hi, lo, height)[:, None], (height, width))
        image = ImageData(np.ascontiguousarray(arr, dtype="float32")[None])
        image.rescale(in_range=[(lo, hi)])
        content = image.render(img_format="PNG", colormap=colors, add_mask=False)
        return Response(content, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})

    return router
