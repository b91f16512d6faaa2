"""Survey design in a real browser: the power calculator shows the API's sample size for the
numbers typed in, the power curve is drawn, and the sample-unit explorer draws the unit on the map."""

from __future__ import annotations

import json
import urllib.parse

from playwright.sync_api import Page, expect

from e2e.test_frontend_support import get_json, open_map, poll


def test_power_calculator_shows_the_apis_sample_size(page: Page, stack, output_dir) -> None:
    open_map(page, stack.url)
    page.get_by_test_id("tab-design").click()
    expect(page.get_by_test_id("power-n-exact")).to_be_visible(timeout=30_000)

    with page.expect_response(lambda r: "/api/stats/power/analytic" in r.url and "delta_percent=35" in r.url and "cv=0.9" in r.url
                              and r.status == 200, timeout=30_000) as resp:
        page.get_by_test_id("power-delta").fill("35")
        page.get_by_test_id("power-cv").fill("0.9")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(resp.value.url).query))
    api = get_json(f"{stack.api}/api/stats/power/analytic?{urllib.parse.urlencode(query)}")
    assert api == resp.value.json()
    expect(page.get_by_test_id("power-n-exact")).to_have_text(str(api["n_per_group_exact_ceil"]))
    expect(page.get_by_test_id("power-n-iterated")).to_have_text(str(api["n_per_group_iterated_ceil"]))
    # Larger change, fewer units: the number on screen follows the inputs.
    with page.expect_response(lambda r: "delta_percent=70" in r.url and r.status == 200):
        page.get_by_test_id("power-delta").fill("70")
    expect(page.get_by_test_id("power-n-exact")).not_to_have_text(str(api["n_per_group_exact_ceil"]))
    curve = page.get_by_test_id("power-chart").locator("path[data-series=analytic]")
    assert curve.get_attribute("d").count("L") >= 10

    # An invalid input is flagged and does not reach the API.
    page.get_by_test_id("power-alpha").fill("2")
    expect(page.get_by_test_id("power-alpha")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(output_dir / "frontend-power.png"))


def test_simulated_power_and_unit_size_explorer(page: Page, stack, output_dir) -> None:
    layers = get_json(f"{stack.api}/api/layers")
    table = sorted(t["id"] for t in layers if t["kind"] == "table" and not t["locked"])[0]
    open_map(page, stack.url)
    page.get_by_test_id("tab-design").click()
    with page.expect_request(lambda r: r.url.endswith(f"/api/stats/{table}/power/simulation"), timeout=30_000) as req:
        page.get_by_test_id("sim-run").click()
    expect(page.get_by_test_id("sim-n")).to_be_visible(timeout=120_000)
    api = get_json(f"{stack.api}/api/stats/{table}/power/simulation", json.loads(req.value.post_data))
    expect(page.get_by_test_id("sim-n")).to_have_text(str(api["n_required"]) if api["n_required"] is not None else "> max")

    expect(page.get_by_test_id("unit-size-table").locator("tbody tr")).not_to_have_count(0, timeout=60_000)
    # The sample unit's footprint is on the map: a circle of the chosen area at the map centre.
    page.get_by_test_id("unit-area").fill("300")
    circle_area = """async () => {
        const data = await window.mpaTwin.map.getSource('shapes').getData();
        const f = data.features.find(f => f.properties.role === 'circle');
        if (!f) return null;
        const ring = f.geometry.coordinates[0], R = 6371008.8, rad = Math.PI / 180;
        let t = 0;
        for (let i = 0; i < ring.length - 1; i++) t += (ring[i+1][0] - ring[i][0]) * rad * (2 + Math.sin(ring[i][1] * rad) + Math.sin(ring[i+1][1] * rad));
        return Math.abs(t * R * R / 2);
    }"""
    area = poll(lambda: (lambda a: a if a and a > 250 else None)(page.evaluate(circle_area)), 10, "unit circle of 300 m² on the map")
    assert 300 * 0.99 < area < 300 * 1.001
    expect(page.get_by_test_id("unit-images")).to_contain_text("images")
    page.screenshot(path=str(output_dir / "frontend-survey-design.png"))
