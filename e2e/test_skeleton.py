"""The walking skeleton, end to end: the page loads, bathymetry tiles really render, and the layer
list shows what the catalogue holds."""

from __future__ import annotations

import io
import json
import urllib.request

import numpy as np
from PIL import Image
from playwright.sync_api import Page, expect


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


def test_map_shows_bathymetry_tiles_and_catalogue_layers(page: Page, stack, output_dir) -> None:
    layers = _get_json(f"{stack.api}/api/layers")
    bathy = next(layer for layer in layers if layer["theme"] == "bathymetry")
    tile_path = f"/tiles/collections/{bathy['id']}/"

    with page.expect_response(lambda r: tile_path in r.url and r.status == 200 and ".png" in r.url,
                              timeout=30_000) as first_tile:
        page.goto(stack.url)
    response = first_tile.value
    assert response.headers["content-type"].startswith("image/png")
    tile = np.asarray(Image.open(io.BytesIO(response.body())).convert("RGBA"))
    opaque = tile[..., 3] > 0
    assert opaque.mean() > 0.05, "bathymetry tile is fully transparent"
    assert len(np.unique(tile[opaque][:, :3], axis=0)) > 10, "bathymetry tile has no colour variation"

    layer_list = page.get_by_test_id("layer-list")
    for collection in _get_json(f"{stack.api}/api/collections"):
        expect(layer_list).to_contain_text(collection["title"])

    map_box = page.get_by_test_id("map")
    expect(map_box).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot = map_box.screenshot(path=str(output_dir / "skeleton-map.png"))
    pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 50, "the map canvas looks blank"
    page.screenshot(path=str(output_dir / "skeleton-page.png"))
