"""The tiler hands out shared TileMatrixSet instances (no deep copy per tile); nothing may mutate them."""

from __future__ import annotations

import morecantile
import pytest

from mpa_tiler.tms import SUPPORTED_TMS, tile_matrix_size
from tests.tiler.helpers import bathy_url, inner_tile


def test_the_registry_returns_one_shared_instance_per_set():
    for tms_id in ("WebMercatorQuad", "WorldCRS84Quad"):
        assert SUPPORTED_TMS.get(tms_id) is SUPPORTED_TMS.get(tms_id)
    with pytest.raises(morecantile.errors.InvalidIdentifier):
        SUPPORTED_TMS.get("LINZAntarticaMapTilegrid")  # known to morecantile, not offered here
    assert tile_matrix_size("WebMercatorQuad", 3) == (8, 8) and tile_matrix_size("WorldCRS84Quad", 0) == (2, 1)


def test_serving_tiles_leaves_the_shared_sets_unchanged(client, catalogue):
    pristine = {k: morecantile.tms.get(k).model_dump(mode="json") for k in ("WebMercatorQuad", "WorldCRS84Quad")}
    base = bathy_url(catalogue, "bathy")
    t = inner_tile(catalogue, 13)
    g = morecantile.tms.get("WorldCRS84Quad").tile(-8.075, 50.305, 12)  # the same place, geographic grid
    urls = [f"{base}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png?tilesize=512",
            f"{base}/tiles/WorldCRS84Quad/{g.z}/{g.x}/{g.y}.png",
            f"{base}/WebMercatorQuad/tilejson.json?minzoom=3&maxzoom=9",
            f"{base}/WorldCRS84Quad/tilejson.json",
            f"{base}/WMTSCapabilities.xml",
            f"{base}/tiles/WebMercatorQuad",
            "/tiles/tileMatrixSets/WorldCRS84Quad"]
    for url in urls:
        assert client.get(url).status_code == 200, url
    for tms_id, dump in pristine.items():
        assert SUPPORTED_TMS.get(tms_id).model_dump(mode="json") == dump
