"""Sign-in in a real browser through the local OIDC provider: a restricted layer unlocks, and its
tiles load with the backend's short-lived tiler token (and do not load without it)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from e2e.test_frontend_support import bbox_center, first_drawn_tile, get_json, map_pixels, open_map, wait_idle

DEPOSITOR = "0000-0002-1825-0097"  # the demo batches' depositor: may read their restricted survey


def test_signing_in_unlocks_a_restricted_layer_and_its_tiles(page: Page, stack, output_dir) -> None:
    locked = [layer for layer in get_json(f"{stack.api}/api/layers") if layer["locked"]]
    assert locked, "the demo catalogue should hold a restricted collection"
    layer = locked[0]
    lon, lat = bbox_center(layer["bbox"])
    open_map(page, stack.url, f"#map=10/{lat}/{lon}/0/0")
    expect(page.get_by_test_id(f"locked-{layer['id']}")).to_be_visible()

    page.get_by_test_id("signin").click()
    page.get_by_test_id("signin-orcid").click()
    # The local provider's authorisation form: who are you?
    page.locator("input[name=sub]").fill(DEPOSITOR)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{stack.url}/**", timeout=30_000)
    expect(page.get_by_test_id("signed-in-as")).to_be_visible(timeout=30_000)
    # Back where we were: the view survived the round trip through the provider.
    assert "map=10/" in page.evaluate("location.hash")

    toggle = page.get_by_test_id(f"layer-toggle-{layer['id']}")
    expect(toggle).to_be_visible(timeout=30_000)
    wait_idle(page)
    before = map_pixels(page)
    tile = first_drawn_tile(page, lambda r: f"/collections/{layer['id']}/" in r.url and "/tiles/WebMercatorQuad/" in r.url,
                            toggle.check)
    assert "access_token=" in tile.url
    wait_idle(page)
    changed = (abs(map_pixels(page) - before).sum(axis=2) > 30).mean()
    assert changed > 0.2, f"the unlocked layer changed only {changed:.1%} of the map (drawn under another layer?)"
    page.screenshot(path=str(output_dir / "frontend-signed-in.png"))

    # The same tile without the token is refused: the lock is the tiler's, not the page's.
    bare = tile.url.split("access_token=")[0].rstrip("&?")
    bare = bare.replace(stack.url, stack.tiler)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bare, timeout=10)
    assert refused.value.code in (401, 403)
