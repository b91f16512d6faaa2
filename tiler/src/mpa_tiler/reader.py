"""rio-tiler reader for a catalogue layer: titiler's STAC reader fed the already-resolved item.

Why: the item was fetched, checked and had its hrefs rewritten to GDAL paths by the catalogue,
so the reader must not fetch anything by itself (STACReader would otherwise open ``input``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import attr
import rasterio
from rio_tiler.io import Reader, STACReader

from mpa_tiler.catalog import Layer

_local = threading.local()
HANDLES_PER_THREAD = 8


def _thread_handles() -> OrderedDict:
    handles = getattr(_local, "handles", None)
    if handles is None:
        handles = _local.handles = OrderedDict()
    return handles


@attr.s
class PooledReader(Reader):
    """rio-tiler's Reader on a dataset handle kept open by this thread across requests.

    Why: catalogue assets are immutable (content-addressed), so a handle never goes stale, and
    reopening one per tile throws away the parsed header and GDAL's decoded-block cache — which
    neighbouring tiles (and, over S3, network round trips) would reuse. GDAL handles are not
    thread-safe, hence one small LRU of handles per worker thread.
    """

    def __attrs_post_init__(self):
        if self.dataset is None and isinstance(self.input, str):
            handles = _thread_handles()
            dataset = handles.get(self.input)
            if dataset is None or dataset.closed:
                dataset = rasterio.open(self.input)
                handles[self.input] = dataset
                while len(handles) > HANDLES_PER_THREAD:
                    _, old = handles.popitem(last=False)
                    old.close()
            handles.move_to_end(self.input)
            self.dataset = dataset
        super().__attrs_post_init__()


# What STACReader.__attrs_post_init__ derives from the item (zoom range: a geometry transform).
_GEOMETRY = ("assets", "height", "width", "bounds", "transform", "crs", "minzoom", "maxzoom")


@attr.s
class CatalogueItemReader(STACReader):
    reader: type = attr.ib(default=PooledReader)

    def __attrs_post_init__(self):
        if not isinstance(self.input, Layer):
            raise TypeError("CatalogueItemReader reads catalogue layers only")
        self.item = self.input.stac_item
        # The item never changes under a Layer, so its geometry is derived once per tiling scheme
        # instead of on every request (~1 ms each, under the GIL).
        key = ("geometry", self.tms.id, self.minzoom, self.maxzoom, self.include_assets, self.exclude_assets,
               self.include_asset_types, self.exclude_asset_types)
        key = tuple(tuple(sorted(k)) if isinstance(k, (set, frozenset)) else k for k in key)
        if (known := self.input.memo.get(key)) is not None:
            for name, value in zip(_GEOMETRY, known, strict=True):
                setattr(self, name, value)
            return
        super().__attrs_post_init__()
        self.input.memo[key] = tuple(getattr(self, name, None) for name in _GEOMETRY)

    def _get_asset_info(self, asset):
        """The asset's GDAL path, or its verified local copy once there is one (asset_cache.py)."""
        info = super()._get_asset_info(asset)
        copies = self.input.copies
        if copies is not None:
            local = copies.raster_path(self.input.item["assets"][info["name"]])
            if local is not None:
                info["url"] = str(local)
        return info

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
