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


def colormap_indices(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The colormap index each value gets in a tile: rio-tiler's own rescale to uint8."""
    image = ImageData(np.asarray(values, dtype="float32").reshape(1, 1, -1))
    image.rescale(in_range=[(lo, hi)])
    return np.asarray(image.array.data[0, 0], dtype="uint8")


def colour_bar_values(lo: float, hi: float, n: int) -> np.ndarray:
    """Data values for an n-pixel colour bar, each in the middle of the colormap bin it falls into.

    A tile's colour index is ``floor((v - lo) / (hi - lo) * 255)``; taking bin centres (and ``hi``
    itself for the last bin) makes every index of the colormap appear on a 256-px bar, and no
    pixel sits on a bin edge where float rounding could pick the neighbouring colour.
    """
    idx = np.round(np.linspace(0, 255, n)).astype(int)
    values = lo + (hi - lo) * (idx + 0.5) / 255.0
    values[idx == 255] = hi
    return values


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
            # nice values for the labels; the colour of each stop is that of the bar at the same place
            values = np.linspace(lo, hi, stops)
            idx = colormap_indices(colour_bar_values(lo, hi, stops), lo, hi)
            out = []
            for v, i in zip(values, idx, strict=True):
                r, g, b, a = (int(c) for c in colors[int(i)])
                out.append({"value": float(v), "color": f"#{r:02x}{g:02x}{b:02x}", "rgba": [r, g, b, a]})
            return {"colormap_name": colormap_name, "rescale": [lo, hi], "stops": out}
        length = width if orientation == "horizontal" else height
        ramp = colour_bar_values(lo, hi, length)
        if orientation == "horizontal":
            arr = np.broadcast_to(ramp, (height, width))
        else:  # high values on top, as on a depth scale read downwards
            arr = np.broadcast_to(ramp[::-1, None], (height, width))
        image = ImageData(np.ascontiguousarray(arr, dtype="float32")[None])
        image.rescale(in_range=[(lo, hi)])
        content = image.render(img_format="PNG", colormap=colors, add_mask=False)
        return Response(content, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})

    return router
