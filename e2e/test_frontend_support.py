"""Shared helpers of the front end's browser tests (test_frontend_*.py); holds no tests itself.

Everything is discovered from the running API (layer ids, bboxes, point positions), so the tests
run unchanged over the small demo survey or any other published catalogue.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import Page, Response


def get_json(url: str, body: Any | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)


def layer_where(layers: list[dict], **match: Any) -> dict:
    for layer in layers:
        if all(layer.get(k) == v for k, v in match.items()):
            return layer
    raise AssertionError(f"no layer with {match} in {[(x['id'], x['theme'], x['type']) for x in layers]}")


def bbox_center(bbox: list[float]) -> tuple[float, float]:
    w, s, e, n = (bbox[0], bbox[1], bbox[3], bbox[4]) if len(bbox) == 6 else bbox
    return (w + e) / 2, (s + n) / 2


def open_map(page: Page, url: str, hash_: str = "") -> None:
    """Open the app and wait until MapLibre has its style and the layer list is drawn."""
    page.goto(f"{url}/{hash_}")
    page.get_by_test_id("layer-list").wait_for(timeout=30_000)
    page.wait_for_function("() => window.mpaTwin && window.mpaTwin.map && window.mpaTwin.map.isStyleLoaded()", timeout=30_000)


def wait_idle(page: Page, timeout_s: float = 30) -> None:
    """Until MapLibre has loaded every tile it wants and is not moving."""
    page.wait_for_function(
        "() => new Promise(r => { const m = window.mpaTwin.map; if (m.loaded() && !m.isMoving()) r(true); else m.once('idle', () => r(true)); })",
        timeout=timeout_s * 1000,
    )


def project(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of a lon/lat on the map."""
    box = page.get_by_test_id("map").bounding_box()
    x, y = page.evaluate("([lon, lat]) => { const p = window.mpaTwin.map.project([lon, lat]); return [p.x, p.y]; }", [lon, lat])
    return box["x"] + x, box["y"] + y


def map_pixels(page: Page, path: str | None = None) -> np.ndarray:
    # A page screenshot clipped to the map: an element screenshot waits for the element to be
    # "stable", which a map that keeps rendering (3D terrain on software WebGL) may never be.
    box = page.get_by_test_id("map").bounding_box()
    shot = page.screenshot(path=path, clip=box, timeout=60_000)
    return np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)


def distinct_colours(pixels: np.ndarray) -> int:
    return len(np.unique(pixels.reshape(-1, 3), axis=0))


def png_is_drawn(body: bytes) -> bool:
    """A tile that is not blank: some opaque pixels with some colour variation."""
    tile = np.asarray(Image.open(io.BytesIO(body)).convert("RGBA"))
    opaque = tile[..., 3] > 0
    return bool(opaque.mean() > 0.01 and len(np.unique(tile[opaque][:, :3], axis=0)) > 3)


def first_drawn_tile(page: Page, matches: Callable[[Response], bool], action: Callable[[], Any],
                     timeout_s: float = 30) -> Response:
    """The first tile matching ``matches`` after ``action`` that has something drawn on it.

    Which tile arrives first is up to the network: it may be an edge tile that only grazes the
    survey and is rightly almost transparent, so one tile alone proves nothing. Every matching
    tile seen on the way must still be a 200.
    """
    seen: list[Response] = []

    def collect(response: Response) -> None:
        if matches(response):
            seen.append(response)

    page.on("response", collect)
    try:
        action()
        end, checked = time.monotonic() + timeout_s, 0
        while True:
            while checked < len(seen):  # body() lets Playwright deliver more responses to `seen`
                tile = seen[checked]
                checked += 1
                assert tile.status == 200, f"{tile.status} from {tile.url}"
                if png_is_drawn(tile.body()):
                    return tile
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"none of {len(seen)} tiles had anything drawn: {[t.url for t in seen]}")
            page.wait_for_event("response", predicate=matches, timeout=remaining * 1000)
    finally:
        page.remove_listener("response", collect)


def poll(condition: Callable[[], Any], deadline_s: float = 20, what: str = "condition") -> Any:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)  # poll interval, not synchronisation
    raise AssertionError(f"{what} not met within {deadline_s}s")
