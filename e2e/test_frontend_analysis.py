"""Analysis in a real browser: draw a polygon on the map, and the panel shows the statistics the API
gives for exactly that polygon (same request, same numbers); curves draw; tables download as CSV."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from e2e.test_frontend_support import get_json, open_map, project


def _draw_polygon(page: Page, ring: list[tuple[float, float]]) -> None:
    page.get_by_test_id("tool-polygon").click()
    for lon, lat in ring[:-1]:
        page.mouse.click(*project(page, lon, lat))
    page.mouse.dblclick(*project(page, *ring[-1]))


def test_polygon_statistics_are_the_apis(page: Page, stack, output_dir) -> None:
    layers = get_json(f"{stack.api}/api/layers")
    table = sorted((t for t in layers if t["kind"] == "table" and not t["locked"]), key=lambda t: t["id"])[0]
    pts = get_json(f"{stack.api}/api/collections/{table['id']}/points")["features"]
    xs = sorted(f["geometry"]["coordinates"][0] for f in pts)
    ys = sorted(f["geometry"]["coordinates"][1] for f in pts)
    # A quadrilateral over the western ~60 % of the images: a real subset, not the whole survey.
    w, e = xs[0] - 1e-4, xs[int(len(xs) * 0.6)]
    s, n = ys[0] - 1e-4, ys[-1] + 1e-4
    ring = [(w, s), (e, s), (e, n), (w, n)]
    inside = sum(1 for f in pts if w <= f["geometry"]["coordinates"][0] <= e)
    assert 0 < inside < len(pts)
    # Clicks land on whole pixels: images within a few pixels of the east edge may fall either side.
    px = (e - w) / 800
    surely_in = sum(1 for f in pts if f["geometry"]["coordinates"][0] <= e - 3 * px)
    maybe_in = sum(1 for f in pts if f["geometry"]["coordinates"][0] <= e + 3 * px)

    open_map(page, stack.url, f"#map=14/{(s + n) / 2}/{(w + e) / 2}/0/0&layers={table['id']}~1")
    page.evaluate("(b) => window.mpaTwin.map.fitBounds(b, {duration: 0, padding: 80})", [[w, s], [e, n]])

    with page.expect_request(lambda r: r.url.endswith(f"/api/stats/{table['id']}/summary") and r.method == "POST"
                             and "polygon" in (r.post_data or ""), timeout=30_000) as req:
        _draw_polygon(page, ring)
    body = json.loads(req.value.post_data)
    drawn = body["selection"]["polygon"]["coordinates"][0]
    assert len(drawn) == 5 and drawn[0] == drawn[-1]

    panel = page.get_by_test_id("analysis-panel")
    expect(panel.get_by_test_id("stats-table")).to_be_visible(timeout=60_000)
    api = get_json(f"{stack.api}/api/stats/{table['id']}/summary", body)
    assert surely_in <= api["images_selected"] <= maybe_in  # the drawn polygon selects what it covers
    expect(panel.get_by_test_id("stats-images")).to_have_text(str(api["images_selected"]))
    expect(panel.get_by_test_id("stats-units")).to_have_text(str(api["sample_units"]["units"]))
    density = next(r for r in api["summary"] if r["group"] == "all" and r["metric"] == "density_per_m2" and not r["taxon"])
    shown = float(panel.get_by_test_id("stats-mean-density_per_m2").get_attribute("data-mean"))
    assert shown == density["mean"]
    # One CI row per group the API reports (all + each substratum).
    groups = {r["group"] for r in api["summary"]}
    expect(panel.get_by_test_id("stats-ci-chart").locator("circle")).to_have_count(len(groups))

    expect(panel.get_by_test_id("rarefaction-chart").locator("path[data-series]").first).to_be_visible(timeout=60_000)
    expect(panel.get_by_test_id("cumulative-chart").locator("path[data-series]")).to_be_visible(timeout=60_000)
    page.screenshot(path=str(output_dir / "frontend-analysis.png"))

    # Species of conservation interest: densities the API reports for the chosen taxon.
    taxon = api["taxa"][0]
    panel.get_by_test_id("interest-picker").locator("summary").click()
    with page.expect_request(lambda r: r.url.endswith("/summary") and taxon in (r.post_data or ""), timeout=30_000) as with_taxon:
        panel.get_by_test_id(f"interest-{taxon}").check()
    expect(panel.get_by_test_id("interest-table")).to_be_visible(timeout=60_000)
    api_taxon = get_json(f"{stack.api}/api/stats/{table['id']}/summary", json.loads(with_taxon.value.post_data))
    row = next(r for r in api_taxon["summary"] if r["group"] == "all" and r["taxon"] == taxon)
    shown = panel.get_by_test_id("interest-table").locator("td[data-mean]").first.get_attribute("data-mean")
    assert float(shown) == row["mean"]
    api = api_taxon

    with page.expect_download() as download:
        panel.get_by_test_id("csv-summary").click()
    text = open(download.value.path(), encoding="utf-8").read()
    header = text.splitlines()[0].split(",")
    assert {"group", "metric", "mean", "ci_low", "ci_high"} <= set(header)
    assert len(text.splitlines()) == len(api["summary"]) + 1


def test_survey_comparison_shows_the_apis_numbers(page: Page, stack) -> None:
    layers = get_json(f"{stack.api}/api/layers")
    tables = sorted(t["id"] for t in layers if t["kind"] == "table" and not t["locked"])
    assert len(tables) >= 2, "the demo has 2012 and 2015 annotation tables"
    open_map(page, stack.url)
    page.get_by_test_id("tab-analysis").click()
    with page.expect_request(lambda r: r.url.endswith("/api/stats/compare"), timeout=30_000) as req:
        page.get_by_test_id("compare-run").click()
    table = page.get_by_test_id("compare-table")
    expect(table).to_be_visible(timeout=90_000)
    api = get_json(f"{stack.api}/api/stats/compare", json.loads(req.value.post_data))
    assert (api["a"], api["b"]) == (tables[0], tables[-1])
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(api["comparisons"]))
    first = api["comparisons"][0]
    if first["percent_change"] is not None:
        expect(rows.first.locator("td").nth(3)).to_contain_text(f"{abs(first['percent_change']):.1f}")
