"""The 3D view (MapLibre terrain from the tiler's Terrarium tiles, loaded on demand) and the photo
gallery, in a real browser over the real stack."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.test_frontend_support import (
    bbox_center,
    distinct_colours,
    first_drawn_tile,
    get_json,
    layer_where,
    map_pixels,
    open_map,
    poll,
    wait_idle,
)


def test_3d_terrain_loads_on_demand_and_renders(page: Page, stack, output_dir) -> None:
    layers = get_json(f"{stack.api}/api/layers")
    bathy = layer_where(layers, theme="bathymetry", type="raster", locked=False)
    lon, lat = bbox_center(bathy["bbox"])
    chunks: list[str] = []
    page.set_viewport_size({"width": 900, "height": 560})  # fewer pixels for software WebGL; wide enough that the panel sits beside the map
    page.on("request", lambda r: chunks.append(r.url) if "/assets/terrain3d" in r.url else None)
    open_map(page, stack.url, f"#map=11/{lat}/{lon}/0/0")
    wait_idle(page)
    assert not chunks, "the 3D module was loaded before 3D was asked for"

    dem = first_drawn_tile(page, lambda r: "algorithm=terrarium" in r.url, page.get_by_test_id("mode-3d").click)
    assert chunks, "the 3D module was not loaded on demand"
    assert dem.headers["content-type"].startswith("image/png")
    expect(page.get_by_test_id("terrain-on")).to_be_visible(timeout=30_000)
    page.wait_for_function("() => window.mpaTwin.map.getPitch() > 45")
    # Software WebGL renders a pitched terrain slowly; poll the canvas instead of waiting for idle.
    poll(lambda: distinct_colours(map_pixels(page)) > 50, 45, "a drawn 3D canvas")
    map_pixels(page, str(output_dir / "frontend-3d.png"))

    page.get_by_test_id("exaggeration").fill("12")
    page.wait_for_function("() => window.mpaTwin.map.getTerrain() && window.mpaTwin.map.getTerrain().exaggeration === 12")
    page.wait_for_function("() => location.hash.includes('mode=3d') && location.hash.includes('exag=12')")
    page.get_by_test_id("mode-2d").click()
    page.wait_for_function("() => !window.mpaTwin.map.getTerrain()")


def test_gallery_shows_photos_in_view_and_opens_one(page: Page, stack, output_dir) -> None:
    layers = get_json(f"{stack.api}/api/layers")
    images = layer_where(layers, kind="images", locked=False)
    lon, lat = bbox_center(images["bbox"])
    open_map(page, stack.url, f"#map=14/{lat}/{lon}/0/0")
    page.get_by_test_id("tab-photos").click()
    expect(page.get_by_test_id("gallery-item").first).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("gallery-count")).to_have_attribute("data-loading", "false", timeout=30_000)
    count = int(page.get_by_test_id("gallery-count").inner_text().split()[0])
    assert count > 0
    first = page.get_by_test_id("gallery-item").first.locator("img")
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=first.element_handle(), timeout=20_000)
    page.get_by_test_id("gallery-item").first.click()
    full = page.get_by_test_id("photo-image")
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=full.element_handle(), timeout=30_000)
    page.screenshot(path=str(output_dir / "frontend-photo.png"))
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("gallery")).to_be_visible()
