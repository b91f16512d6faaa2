"""The 2D map in a real browser over the real stack: basemap and bathymetry on load, legends that
match the tiles, layer toggles that really draw, restyling, URL state, the depth read-out, popups,
transects, the restricted-layer lock and the tablet layout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.test_frontend_support import (
    bbox_center,
    distinct_colours,
    first_drawn_tile,
    get_json,
    layer_where,
    map_pixels,
    open_map,
    project,
    wait_idle,
)


@pytest.fixture(scope="module")
def layers(stack) -> list[dict]:
    return get_json(f"{stack.api}/api/layers")


def test_bathymetry_and_hillshade_on_load_with_a_legend_that_matches(page: Page, stack, layers, output_dir) -> None:
    bathy = layer_where(layers, theme="bathymetry", type="raster", locked=False)
    hillshade, legend, errors = [], [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: hillshade.append(r) if "algorithm=hillshade" in r.url and r.status == 200 else None)
    page.on("response", lambda r: legend.append(r) if "/tiles/legend" in r.url else None)
    first = first_drawn_tile(page, lambda r: f"/collections/{bathy['id']}/" in r.url and "colormap_name" in r.url,
                             lambda: open_map(page, stack.url))
    assert first.headers["content-type"].startswith("image/png")

    expect(page.get_by_test_id(f"layer-toggle-{bathy['id']}")).to_be_checked()
    legend_box = page.get_by_test_id(f"legend-{bathy['id']}")
    expect(legend_box).to_be_visible()
    # The colour bar comes from the tiler for the same colormap and range as the tiles.
    bar = page.get_by_test_id(f"legend-bar-{bathy['id']}")
    src = bar.get_attribute("src")
    assert f"colormap_name={bathy['legend']['colormap_name']}" in src
    lo, hi = bathy["legend"]["rescale"]
    shown = re.search(r"rescale=([^&]+)", src)
    assert shown and [float(v) for v in shown.group(1).split(",")] == [lo, hi], src
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=bar.element_handle(), timeout=15_000)
    assert legend and all(r.status == 200 and r.headers["content-type"].startswith("image/") for r in legend)
    ticks = legend_box.locator(".legend-ticks span").all_inner_texts()
    assert ticks and all(t.endswith(bathy["legend"]["units"] or "") for t in ticks)
    values = [float(t.split()[0]) for t in ticks]
    assert all(min(lo, hi) <= v <= max(lo, hi) for v in values), (values, lo, hi)

    wait_idle(page)
    assert hillshade, "no hillshade basemap tile was drawn"
    pixels = map_pixels(page, str(output_dir / "frontend-map-on-load.png"))
    assert distinct_colours(pixels) > 50, "map canvas looks blank"
    page.screenshot(path=str(output_dir / "frontend-page-on-load.png"))
    assert not errors, f"uncaught errors in the page: {errors}"


def test_toggling_vector_and_point_layers_draws_them(page: Page, stack, layers, output_dir) -> None:
    habitat = layer_where(layers, theme="habitat", type="vector", locked=False)
    images = layer_where(layers, kind="images", locked=False)
    lon, lat = bbox_center(images["bbox"])  # where both the photos and the habitat map are
    open_map(page, stack.url, f"#map=14/{lat}/{lon}/0/0&layers=")
    wait_idle(page)
    before = map_pixels(page)

    with page.expect_response(lambda r: f"/collections/{habitat['id']}/" in r.url and r.url.split("?")[0].endswith(".mvt") and r.status == 200,
                              timeout=30_000) as mvt:
        page.get_by_test_id(f"layer-toggle-{habitat['id']}").check()
    assert len(mvt.value.body()) > 0
    expect(page.get_by_test_id(f"legend-{habitat['id']}")).to_be_visible()
    wait_idle(page)
    after = map_pixels(page, str(output_dir / "frontend-habitats.png"))
    changed = (abs(after - before).sum(axis=2) > 30).mean()
    assert changed > 0.05, f"habitat polygons changed only {changed:.1%} of the map"
    # A click on a polygon tells which habitat it is.
    box = page.get_by_test_id("map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.5)
    popup = page.get_by_test_id(f"popup-{habitat['id']}")
    expect(popup).to_be_visible()
    assert popup.locator("td").count() > 0
    page.keyboard.press("Escape")
    page.locator(".maplibregl-popup-close-button").click()

    with page.expect_response(lambda r: r.url.endswith(f"/api/collections/{images['id']}/points") and r.status == 200) as pts:
        page.get_by_test_id(f"layer-toggle-{images['id']}").check()
    features = pts.value.json()["features"]
    assert features
    rendered = page.wait_for_function(
        "(id) => window.mpaTwin.map.queryRenderedFeatures({layers: [`lyr-${id}-pts`]}).length", arg=images["id"], timeout=15_000,
    ).json_value()
    assert 0 < rendered <= len(features)
    # The draw order lists the visible layers top first: points above polygons.
    order = page.get_by_test_id("draw-order").locator("li").evaluate_all("els => els.map(e => e.dataset.testid)")
    assert order.index(f"order-{images['id']}") < order.index(f"order-{habitat['id']}")


def test_restyling_a_raster_changes_tiles_and_legend_together(page: Page, stack, layers) -> None:
    bathy = layer_where(layers, theme="bathymetry", type="raster", locked=False)
    open_map(page, stack.url)
    page.get_by_test_id(f"layer-style-{bathy['id']}").click()
    new = "magma" if bathy["legend"]["colormap_name"] != "magma" else "viridis"
    first_drawn_tile(page, lambda r: f"/collections/{bathy['id']}/" in r.url and f"colormap_name={new}" in r.url,
                     lambda: page.get_by_test_id(f"layer-colormap-{bathy['id']}").select_option(new))
    expect(page.get_by_test_id(f"legend-bar-{bathy['id']}")).to_have_attribute("src", re.compile(f"colormap_name={new}"))

    page.get_by_test_id(f"layer-rescale-{bathy['id']}").fill("nonsense")
    expect(page.get_by_test_id(f"layer-rescale-{bathy['id']}")).to_have_attribute("aria-invalid", "true")
    page.get_by_test_id(f"layer-rescale-{bathy['id']}").fill("-150,-10")
    with page.expect_response(lambda r: "rescale=-150,-10" in r.url and "/tiles/WebMercatorQuad/" in r.url, timeout=30_000):
        page.get_by_role("button", name="Apply").click()
    ticks = page.get_by_test_id(f"legend-{bathy['id']}").locator(".legend-ticks span").all_inner_texts()
    assert [t.split()[0] for t in ticks] == ["-150", "-100", "-50"]
    # The view, layers and style are in the URL.
    page.wait_for_function("() => location.hash.includes('style=')")
    assert f"{bathy['id']}~{new}~-150,-10" in page.evaluate("location.hash")


def test_url_state_restores_layers_opacity_and_view(page: Page, stack, layers) -> None:
    habitat = layer_where(layers, theme="habitat", type="vector", locked=False)
    bathy = layer_where(layers, theme="bathymetry", type="raster", locked=False)
    open_map(page, stack.url, f"#map=13.5/50.29/-8.08/20/0&layers={habitat['id']}~0.4&mode=2d")
    expect(page.get_by_test_id(f"layer-toggle-{habitat['id']}")).to_be_checked()
    expect(page.get_by_test_id(f"layer-toggle-{bathy['id']}")).not_to_be_checked()
    assert page.get_by_test_id(f"layer-opacity-{habitat['id']}").input_value() == "0.4"
    zoom, bearing = page.evaluate("[window.mpaTwin.map.getZoom(), window.mpaTwin.map.getBearing()]")
    assert zoom == pytest.approx(13.5) and bearing == pytest.approx(20)


def test_depth_under_the_cursor_is_the_tilers_value(page: Page, stack, layers) -> None:
    bathy = layer_where(layers, theme="bathymetry", type="raster", locked=False)
    lon, lat = bbox_center(bathy["bbox"])
    open_map(page, stack.url, f"#map=15/{lat}/{lon}/0/0")
    with page.expect_response(lambda r: "/point/" in r.url and r.status == 200, timeout=15_000) as point:
        page.mouse.move(*project(page, lon, lat))
    value = point.value.json()["values"][0]
    value = value[0] if isinstance(value, list) else value
    expect(page.get_by_test_id("cursor-depth")).to_have_text(f"depth {abs(value):.1f} m" if value <= 0 else f"{value:.1f} m")


def test_transect_draws_a_depth_profile(page: Page, stack, layers, output_dir) -> None:
    bathy = layer_where(layers, theme="bathymetry", type="raster", locked=False)
    w, s, e, n = bathy["bbox"][:4]
    lon, lat = bbox_center(bathy["bbox"])
    open_map(page, stack.url, f"#map=14/{lat}/{lon}/0/0")
    page.get_by_test_id("map").wait_for()
    page.evaluate("(b) => window.mpaTwin.map.fitBounds(b, {duration: 0, padding: 60})", [[w, s], [e, n]])
    page.get_by_test_id("tool-transect").click()
    expect(page.get_by_test_id("draw-hint")).to_be_visible()
    a = (w + (e - w) * 0.2, s + (n - s) * 0.3)
    b = (w + (e - w) * 0.8, s + (n - s) * 0.7)
    page.mouse.click(*project(page, *a))
    page.mouse.dblclick(*project(page, *b))
    chart = page.get_by_test_id("profile-chart")
    expect(chart).to_be_visible(timeout=60_000)
    assert chart.locator("path[data-series]").get_attribute("d").count("L") > 10
    summary = page.get_by_test_id("profile-summary").inner_text()
    sampled = int(summary.split("/")[0])
    assert sampled > 40, summary
    page.screenshot(path=str(output_dir / "frontend-transect.png"))


def test_clicking_an_image_position_opens_a_popup_with_its_thumbnail(page: Page, stack, layers) -> None:
    images = layer_where(layers, kind="images", locked=False)
    feature = get_json(f"{stack.api}/api/collections/{images['id']}/points")["features"][0]
    coords = feature["geometry"]["coordinates"]
    if feature["geometry"]["type"] == "Polygon":
        ring = coords[0]
        coords = [(min(c[0] for c in ring) + max(c[0] for c in ring)) / 2, (min(c[1] for c in ring) + max(c[1] for c in ring)) / 2]
    open_map(page, stack.url, f"#map=18/{coords[1]}/{coords[0]}/0/0&layers={images['id']}~1")
    page.wait_for_function("(id) => window.mpaTwin.map.queryRenderedFeatures({layers: [`lyr-${id}-pts`]}).length > 0", arg=images["id"], timeout=20_000)
    page.mouse.click(*project(page, coords[0], coords[1]))
    popup = page.get_by_test_id(f"popup-{images['id']}")
    expect(popup).to_be_visible()
    thumb = popup.get_by_test_id("popup-thumbnail")
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=thumb.element_handle(), timeout=15_000)


def test_restricted_layer_is_locked_with_a_sign_in_prompt(page: Page, stack, layers) -> None:
    locked = [layer for layer in layers if layer["locked"]]
    assert locked, "the demo catalogue should hold a restricted collection"
    open_map(page, stack.url)
    layer = locked[0]
    expect(page.get_by_test_id(f"locked-{layer['id']}")).to_contain_text("Restricted")
    expect(page.get_by_test_id(f"layer-toggle-{layer['id']}")).to_have_count(0)
    page.get_by_test_id(f"signin-prompt-{layer['id']}").click()
    dialog = page.get_by_test_id("signin-dialog")
    expect(dialog).to_be_visible()
    links = dialog.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links and all(href.startswith("/api/auth/login/") and "next=" in href for href in links)
    # No tile of the restricted layer was even asked for.
    assert not page.evaluate("(id) => performance.getEntriesByType('resource').some(e => e.name.includes(`/collections/${id}/`))", layer["id"])


def test_keyboard_toggles_a_layer_and_tablet_layout_keeps_the_map(page: Page, stack, layers, output_dir) -> None:
    habitat = layer_where(layers, theme="habitat", type="vector", locked=False)
    page.set_viewport_size({"width": 768, "height": 1024})
    open_map(page, stack.url)
    toggle = page.get_by_test_id(f"layer-toggle-{habitat['id']}")
    toggle.focus()
    page.keyboard.press("Space")
    expect(toggle).to_be_checked()
    page.screenshot(path=str(output_dir / "frontend-tablet-panel.png"))
    page.get_by_test_id("panel-toggle").click()
    expect(page.locator("#side-panel")).to_be_hidden()
    box = page.get_by_test_id("map").bounding_box()
    assert box["width"] >= 760 and box["height"] > 800
    page.screenshot(path=str(output_dir / "frontend-tablet-map.png"))
