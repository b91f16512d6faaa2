"""rio-tiler reader for a catalogue layer: titiler's STAC reader fed the already-resolved item.

Why: the item was fetched, checked and had its hrefs rewritten to GDAL paths by the catalogue,
so the reader must not fetch anything by itself (STACReader would otherwise open ``input``).
"""

from __future__ import annotations

from typing import Any

import attr
from rio_tiler.io import STACReader

from mpa_tiler.catalog import Layer


@attr.s
class CatalogueItemReader(STACReader):
    def __attrs_post_init__(self):
        if isinstance(self.input, Layer):
            self.item = self.input.stac_item
        if self.item is None:
            raise ValueError("CatalogueItemReader reads catalogue layers only")
        super().__attrs_post_init__()

    # rio-tiler reads the assets of a request in a new thread pool; for the usual single asset that
    # costs a thread start and ~30 % of a tile's time, and the server already runs requests in parallel.
    @staticmethod
    def _threads(kwargs: dict) -> dict:
        assets = kwargs.get("assets")
        if "threads" not in kwargs and (assets is None or isinstance(assets, str) or len(assets) <= 1):
            kwargs["threads"] = 1
        return kwargs

    def tile(self, *args: Any, **kwargs: Any):
        return super().tile(*args, **self._threads(kwargs))

    def part(self, *args: Any, **kwargs: Any):
        return super().part(*args, **self._threads(kwargs))

    def preview(self, *args: Any, **kwargs: Any):
        return super().preview(*args, **self._threads(kwargs))

    def point(self, *args: Any, **kwargs: Any):
        return super().point(*args, **self._threads(kwargs))

    def feature(self, *args: Any, **kwargs: Any):
        return super().feature(*args, **self._threads(kwargs))


def renders_as_query(layer: Layer) -> dict[str, dict[str, Any]]:
    """The layer's STAC renders as titiler query parameters (for TileJSON raster_layers and WMTS layers).

    Keys are ``stac-<name>``: titiler's WMTS always adds a layer named ``default`` built from the
    request itself (which gets the same defaults), and GDAL refuses duplicate layer identifiers.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, render in (layer.renders or {}).items():
        q: dict[str, Any] = {}
        for key in ("assets", "expression", "colormap_name", "color_formula", "nodata", "resampling"):
            if render.get(key) is not None:
                q[key] = render[key]
        if render.get("rescale"):
            q["rescale"] = [f"{lo},{hi}" for lo, hi in render["rescale"]]
        if render.get("colormap"):
            import json

            q["colormap"] = json.dumps(render["colormap"])
        out[f"stac-{name}"] = q
    return out


def reader_renders(src: CatalogueItemReader) -> dict[str, dict[str, Any]]:
    return renders_as_query(src.input) if isinstance(src.input, Layer) else {}
