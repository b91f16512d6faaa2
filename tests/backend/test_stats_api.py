"""Statistics API over the real app and a real published catalogue (GeoParquet + STAC on disk).

Expected numbers are recomputed here independently from the source tables (pandas / scipy),
never copied from the service's own output.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.backend.conftest import make_client
from tests.backend.stats.fake_catalogue import TAXA, make_store

A, B = "hf2012-annotations", "hf2015-annotations"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("stats-store")
    frames = make_store(root / "store", root / "work")
    return f"file://{root / 'store'}", frames


@pytest.fixture
def client(published, monkeypatch, tmp_path):
    with make_client(monkeypatch, published[0], MPA_BACKEND_CACHE_DIR=str(tmp_path / "cache")) as c:
        yield c
    from mpa_backend import settings

    settings.get_settings.cache_clear()


def _frame(published, cid):
    return published[1][cid].sort_values("datetime", kind="stable", ignore_index=True)


def test_summary_units_are_consecutive_images_of_one_substratum_near_the_target_area(client, published):
    res = client.post(f"/api/stats/{A}/summary", json={"n_boot": 200})
    assert res.status_code == 200, res.text
    body = res.json()
    frame = _frame(published, A)
    su = body["sample_units"]
    assert body["images_selected"] == len(frame)
    assert su["target_area_m2"] == 150 and su["partial_policy"] == "drop"
    used = sum(u["images"] for u in body["units"])
    assert used + su["dropped_images"] == len(frame)
    pos = {img: i for i, img in enumerate(frame["id_image"])}
    one_image = frame["area_seabed_m2"].max() + 1e-9
    for u in body["units"]:
        i, j = pos[u["first_image"]], pos[u["last_image"]]
        rows = frame.iloc[i: j + 1]
        assert j - i + 1 == u["images"]
        assert rows["substratum"].nunique() == 1 and rows["substratum"].iloc[0] == u["substratum"]
        assert u["area_m2"] == pytest.approx(rows["area_seabed_m2"].sum())
        assert abs(u["area_m2"] - 150) <= one_image  # half an image at each end of the unit
        n = rows[TAXA].to_numpy().sum()
        assert u["individuals"] == n
        assert u["density_per_m2"] == pytest.approx(n / u["area_m2"])
        assert u["density_per_ha"] == pytest.approx(1e4 * n / u["area_m2"])
        assert u["richness"] == (rows[TAXA].sum() > 0).sum()
        w = rows["area_seabed_m2"]
        assert u["longitude"] == pytest.approx((rows["longitude"] * w).sum() / w.sum())


def test_summary_statistics_agree_with_the_unit_table(client):
    body = client.post(f"/api/stats/{A}/summary", json={"n_boot": 500, "seed": 3}).json()
    units = pd.DataFrame(body["units"])
    summary = pd.DataFrame(body["summary"])
    groups = set(summary["group"])
    assert groups == {"all"} | set(units["substratum"])
    for group, sub in [("all", units)] + [(s, units[units.substratum == s]) for s in set(units.substratum)]:
        for metric, unit in [("density_per_m2", "ind m-2"), ("density_per_ha", "ind ha-1"), ("richness", "taxa"),
                             ("hill_q1", "effective taxa"), ("chao1", "taxa"), ("coverage", "1")]:
            row = summary[(summary.group == group) & (summary.metric == metric)].iloc[0]
            vals = sub[metric].dropna()
            assert row["unit"] == unit and row["sd_ddof"] == 1 and row["n"] == len(vals)
            assert row["mean"] == pytest.approx(vals.mean())
            if len(vals) > 1:
                assert row["sd"] == pytest.approx(vals.std(ddof=1))
                assert row["ci_low"] <= row["mean"] <= row["ci_high"]
                # percentile bootstrap CI of a mean ~ mean ± 1.96 SE for these sample sizes
                se = vals.std(ddof=1) / np.sqrt(len(vals))
                assert (row["ci_high"] - row["ci_low"]) == pytest.approx(2 * 1.96 * se, rel=0.35)


def test_taxa_of_interest_densities_and_csv_download(client, published):
    req = {"taxa_of_interest": ["pentapora_foliacea", "galeus_melastomus"], "n_boot": 100}
    body = client.post(f"/api/stats/{A}/summary", json=req).json()
    frame = _frame(published, A)
    pos = {img: i for i, img in enumerate(frame["id_image"])}
    u = body["units"][0]
    rows = frame.iloc[pos[u["first_image"]]: pos[u["last_image"]] + 1]
    assert u["taxon_density_per_m2"]["pentapora_foliacea"] == pytest.approx(rows["pentapora_foliacea"].sum() / u["area_m2"])
    assert any(r["metric"] == "density_per_m2" and r["taxon"] == "galeus_melastomus" for r in body["summary"])
    csv = client.post(f"/api/stats/{A}/summary?format=csv&table=units", json=req)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(csv.text))
    assert len(table) == len(body["units"])
    assert table["taxon_density_per_m2:pentapora_foliacea"].iloc[0] == pytest.approx(
        u["taxon_density_per_m2"]["pentapora_foliacea"])
    by_accept = client.post(f"/api/stats/{A}/summary", json=req, headers={"Accept": "text/csv"})
    assert by_accept.headers["content-type"].startswith("text/csv")
    assert set(pd.read_csv(io.StringIO(by_accept.text))["group"]) >= {"all"}
    slim = client.post(f"/api/stats/{A}/summary", json={**req, "include_units": False}).json()
    assert slim["units"] == [] and slim["sample_units"]["units"] == len(body["units"])
    assert [r["mean"] for r in slim["summary"]] == [r["mean"] for r in body["summary"]]
    bad = client.post(f"/api/stats/{A}/summary?format=csv&table=nope", json=req)
    assert bad.status_code == 422 and "table" in bad.text


def test_polygon_bbox_substratum_and_date_selection(client, published):
    frame = _frame(published, A)
    lon0, lon1 = -8.0990, -8.0960
    lat0, lat1 = 50.29, 50.33
    poly = {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}
    inside = (frame.longitude > lon0) & (frame.longitude < lon1) & (frame.latitude > lat0) & (frame.latitude < lat1)
    body = client.post(f"/api/stats/{A}/summary", json={"selection": {"polygon": poly}, "n_boot": 0}).json()
    assert body["images_selected"] == int(inside.sum())
    assert body["area_selected_m2"] == pytest.approx(frame.loc[inside, "area_seabed_m2"].sum())
    res = client.get(f"/api/stats/{A}/summary", params={"bbox": f"{lon0},{lat0},{lon1},{lat1}", "n_boot": 0})
    in_box = (frame.longitude >= lon0) & (frame.longitude <= lon1) & (frame.latitude >= lat0) & (frame.latitude <= lat1)
    assert res.json()["images_selected"] == int(in_box.sum())  # a bbox includes its edges
    rock = client.post(f"/api/stats/{A}/summary", json={"selection": {"substrata": ["rock"]}, "n_boot": 0}).json()
    assert rock["images_selected"] == int((frame.substratum == "rock").sum())
    assert {u["substratum"] for u in rock["units"]} == {"rock"}
    t = frame["datetime"]
    start, end = t.iloc[100], t.iloc[399]
    dated = client.post(f"/api/stats/{A}/summary", json={"selection": {"start": start.isoformat(), "end": end.isoformat()},
                                                         "n_boot": 0}).json()
    assert dated["images_selected"] == 300
    taxa = client.post(f"/api/stats/{A}/summary", json={"selection": {"taxa": TAXA[:3]}, "n_boot": 0}).json()
    assert max(u["richness"] for u in taxa["units"]) <= 3


def test_bad_requests_get_clear_4xx(client):
    assert client.post("/api/stats/nope/summary", json={}).status_code == 404
    assert client.post("/api/stats/hf2012-annotations-restricted/summary", json={}).status_code == 401
    assert client.post("/api/stats/hf2012-bathymetry/summary", json={}).status_code == 422
    r = client.post(f"/api/stats/{A}/summary", json={"taxa_of_interest": ["nessie"]})
    assert r.status_code == 422 and "nessie" in r.text and "taxa_of_interest" in r.text
    r = client.post(f"/api/stats/{A}/summary", json={"selection": {"substrata": ["lava"]}})
    assert r.status_code == 422 and "lava" in r.text and "substrata" in r.text
    r = client.post(f"/api/stats/{A}/summary", json={"selection": {"polygon": {"type": "Point", "coordinates": [0, 0]}}})
    assert r.status_code == 422 and "Polygon" in r.text
    r = client.post(f"/api/stats/{A}/summary", json={"units": {"target_area_m2": -5}})
    assert r.status_code == 422 and "target_area_m2" in r.text
    r = client.get("/api/stats/power/analytic", params={"delta_percent": 20, "cv": 0.5, "alpha": 1.5})
    assert r.status_code == 422 and "alpha" in r.text
    r = client.get("/api/stats/power/analytic", params={"delta_percent": 20, "cv": 0.5, "power": 0})
    assert r.status_code == 422 and "power" in r.text
    r = client.get("/api/stats/power/analytic", params={"delta_percent": -1, "cv": 0.5})
    assert r.status_code == 422 and "delta_percent" in r.text
    r = client.post(f"/api/stats/{A}/power/simulation", json={"delta_percent": 20, "metric": "taxon_density", "taxon": "nessie"})
    assert r.status_code == 422 and "nessie" in r.text
    # every door asks: a restricted survey on either side of a comparison, or in any other route, is refused
    r = client.post("/api/stats/compare", json={"a": {"collection": A}, "b": {"collection": "hf2012-annotations-restricted"}})
    assert r.status_code == 401 and "restricted" in r.text
    for route in ("rarefaction", "cumulative", "unit-size"):
        assert client.post(f"/api/stats/hf2012-annotations-restricted/{route}", json={}).status_code == 401
    assert client.get("/api/stats/hf2012-annotations-restricted/density").status_code == 401
    assert client.post("/api/stats/hf2012-annotations-restricted/power/simulation",
                       json={"delta_percent": 20}).status_code == 401
    r = client.post(f"/api/stats/{A}/rarefaction", json={"selection": {"taxa": ["nessie"]}})
    assert r.status_code == 422 and "nessie" in r.text
    r = client.post(f"/api/stats/{A}/power/simulation", json={"delta_percent": 20, "n_per_group": [1]})
    assert r.status_code == 422 and "n_per_group" in r.text


def test_density_route_still_answers_per_substratum(client, published):
    frame = _frame(published, A)
    rows = client.get(f"/api/stats/{A}/density").json()
    rock = next(r for r in rows if r["substratum"] == "rock")
    sub = frame[frame.substratum == "rock"]
    assert rock["images"] == len(sub)
    assert rock["density_per_m2"] == pytest.approx(sub[TAXA].to_numpy().sum() / sub["area_seabed_m2"].sum())
    table = pd.read_csv(io.StringIO(client.get(f"/api/stats/{A}/density?format=csv").text))
    assert table.set_index("substratum").loc["rock", "images"] == len(sub)


def test_comparison_of_two_surveys_matches_scipy_on_the_unit_values(client):
    req = {"a": {"collection": A}, "b": {"collection": B}, "metrics": ["density_per_m2", "richness"],
           "taxa_of_interest": ["pentapora_foliacea"], "n_boot": 500, "n_perm": 2000, "seed": 1}
    res = client.post("/api/stats/compare", json=req)
    assert res.status_code == 200, res.text
    body = res.json()
    ua = pd.DataFrame(client.post(f"/api/stats/{A}/summary", json={"n_boot": 0, "taxa_of_interest": ["pentapora_foliacea"]}).json()["units"])
    ub = pd.DataFrame(client.post(f"/api/stats/{B}/summary", json={"n_boot": 0, "taxa_of_interest": ["pentapora_foliacea"]}).json()["units"])
    for row in body["comparisons"]:
        if row["taxon"]:
            a = ua["taxon_density_per_m2"].map(lambda d: d["pentapora_foliacea"])
            b = ub["taxon_density_per_m2"].map(lambda d: d["pentapora_foliacea"])
        else:
            a, b = ua[row["metric"]], ub[row["metric"]]
        welch = stats.ttest_ind(b, a, equal_var=False)
        assert row["difference"] == pytest.approx(b.mean() - a.mean())
        assert row["welch_t"] == pytest.approx(welch.statistic) and row["welch_p"] == pytest.approx(welch.pvalue)
        assert row["ci_low"] < row["difference"] < row["ci_high"]
        # a Monte-Carlo permutation p within ~4 binomial SEs (plus a floor) of the Welch p
        assert abs(row["permutation_p"] - welch.pvalue) < 4 * np.sqrt(max(welch.pvalue, 0.01) / 2000) + 0.02
        assert np.sign(row["hedges_g"]) == np.sign(row["difference"])
    csv = client.post("/api/stats/compare?format=csv", json=req)
    assert len(pd.read_csv(io.StringIO(csv.text))) == 3


def test_analytic_power_route_matches_published_value(client):
    body = client.get("/api/stats/power/analytic", params={"delta_percent": 50, "cv": 1.0}).json()
    assert body["effect_size"] == pytest.approx(0.5)
    assert body["n_per_group_exact"] == pytest.approx(63.77, abs=0.01)  # R power.t.test(delta = .5, power = .8)
    assert body["n_per_group_exact_ceil"] == 64
    assert abs(body["n_per_group_iterated"] - 63.77) < 1
    assert body["power_at_exact_ceil"] >= 0.8
    powers = [p["power"] for p in body["curve"]]
    assert powers == sorted(powers)
    csv = client.get("/api/stats/power/analytic", params={"delta_percent": 50, "cv": 1.0, "format": "csv"})
    assert pd.read_csv(io.StringIO(csv.text))["power"].is_monotonic_increasing


def test_power_simulation_is_seeded_and_increases_with_n(client):
    req = {"metric": "density", "delta_percent": 40, "n_per_group": [3, 10, 40, 120], "replicates": 400, "seed": 5}
    one = client.post(f"/api/stats/{A}/power/simulation", json=req)
    assert one.status_code == 200, one.text
    body = one.json()
    assert body == client.post(f"/api/stats/{A}/power/simulation", json=req).json()
    powers = [r["power"] for r in body["curve"]]
    assert powers[0] < powers[-1] and powers[-1] > 0.8
    assert body["model"] == "negbin" and body["negbin_size_k"] > 0
    assert body["n_required"] in [r["n_per_group"] for r in body["curve"]]
    rich = client.post(f"/api/stats/{A}/power/simulation",
                       json={**req, "metric": "richness"}).json()
    assert rich["model"] == "bootstrap" and rich["unit"] == "taxa"
    taxon = client.post(f"/api/stats/{A}/power/simulation",
                        json={**req, "metric": "taxon_density", "taxon": "pentapora_foliacea"}).json()
    assert taxon["taxon"] == "pentapora_foliacea" and len(taxon["curve"]) == 4


def test_rarefaction_and_cumulative_curves(client, published):
    frame = _frame(published, A)
    pooled = frame[TAXA].sum()
    res = client.post(f"/api/stats/{A}/rarefaction", json={"nboot": 20, "knots": 20})
    assert res.status_code == 200, res.text
    body = res.json()
    q0 = next(r for r in body["asymptotic"] if r["order"] == 0 and r["group"] == "all")
    assert q0["observed"] == (pooled > 0).sum() and q0["n"] == pooled.sum()
    assert q0["estimator"] >= q0["observed"]
    obs = [r for r in body["size_based"] if r["method"] == "observed" and r["order"] == 0]
    assert obs and obs[0]["qD"] == q0["observed"]
    csv = client.post(f"/api/stats/{A}/rarefaction?format=csv&table=coverage_based", json={"nboot": 0, "knots": 10})
    assert "coverage" in csv.text.splitlines()[0]
    inc = client.post(f"/api/stats/{A}/rarefaction", json={"datatype": "incidence", "nboot": 10, "knots": 12,
                                                          "by_substratum": True}).json()
    units = pd.DataFrame(client.post(f"/api/stats/{A}/summary", json={"n_boot": 0}).json()["units"])
    q0 = next(r for r in inc["asymptotic"] if r["order"] == 0 and r["group"] == "all")
    assert inc["size_unit"] == "sample units" and q0["n"] == len(units)
    assert q0["observed"] == (pooled > 0).sum()  # every taxon seen in some image is present in some unit here
    rock = next(r for r in inc["asymptotic"] if r["order"] == 0 and r["group"] == "rock")
    assert rock["n"] == (units.substratum == "rock").sum()
    assert max(r["m"] for r in inc["size_based"] if r["group"] == "all") == 2 * len(units)
    cum = client.post(f"/api/stats/{A}/cumulative", json={"orderings": 20, "points": 10}).json()
    rich = [r for r in cum["curves"] if r["metric"] == "richness"]
    last = rich[-1]
    units = client.post(f"/api/stats/{A}/summary", json={"n_boot": 0}).json()
    assert last["units"] == units["sample_units"]["units"] and last["sd"] == pytest.approx(0)
    assert [r["mean"] for r in rich] == sorted(r["mean"] for r in rich)


def test_unit_size_table_reports_cv_and_units_needed(client):
    res = client.post(f"/api/stats/{A}/unit-size", json={"areas_m2": [30, 150, 400], "delta_percent": 30})
    assert res.status_code == 200, res.text
    rows = res.json()["rows"]
    assert [r["target_area_m2"] for r in rows] == [30, 150, 400]
    assert rows[0]["units"] > rows[-1]["units"]
    assert rows[0]["cv"] > rows[-1]["cv"]  # bigger units average out more patchiness
    for r in rows:
        assert r["n_per_group_ceil"] >= r["n_per_group_exact"]


def test_options_describe_what_a_selection_can_name_and_openapi_documents_the_routes(client, published):
    frame = _frame(published, A)
    opts = client.get(f"/api/stats/{A}/options").json()
    assert opts["taxa"] == TAXA and opts["images"] == len(frame)
    assert opts["substrata"] == sorted(frame.substratum.unique())
    assert opts["habitats"] == sorted(frame.habitat.unique())
    assert pd.Timestamp(opts["start"]) == frame.datetime.min() and pd.Timestamp(opts["end"]) == frame.datetime.max()
    assert opts["bbox"][0] == pytest.approx(frame.longitude.min())
    assert client.get("/api/stats/hf2012-annotations-restricted/options").status_code == 401
    spec = client.get("/api/openapi.json").json()
    for path in ("/api/stats/{collection_id}/summary", "/api/stats/{collection_id}/rarefaction",
                 "/api/stats/{collection_id}/cumulative", "/api/stats/compare", "/api/stats/power/analytic",
                 "/api/stats/{collection_id}/power/simulation", "/api/stats/{collection_id}/unit-size",
                 "/api/stats/{collection_id}/density", "/api/stats/{collection_id}/options"):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert "sd_ddof" in schemas["SummaryRow"]["properties"] and "unit" in schemas["SummaryRow"]["properties"]


def test_an_empty_selection_answers_with_empty_tables_not_errors(client):
    far = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    body = client.post(f"/api/stats/{A}/summary", json={"selection": {"polygon": far}}).json()
    assert body["images_selected"] == 0 and body["units"] == [] and body["sample_units"]["units"] == 0
    assert all(r["n"] == 0 and r["mean"] is None for r in body["summary"])
    rare = client.post(f"/api/stats/{A}/rarefaction", json={"selection": {"polygon": far}, "nboot": 0})
    assert rare.status_code == 200 and rare.json()["asymptotic"] == []
    sim = client.post(f"/api/stats/{A}/power/simulation", json={"selection": {"polygon": far}, "delta_percent": 20})
    assert sim.status_code == 422 and "pilot" in sim.text


@pytest.mark.parametrize("tails, alternative", [(1, "larger"), (2, "two-sided")])
def test_analytic_power_accepts_tails_as_a_query_parameter(client, tails, alternative):
    from statsmodels.stats.power import TTestIndPower  # an independent implementation

    body = client.get("/api/stats/power/analytic", params={"delta_percent": 50, "cv": 1.0, "tails": tails})
    assert body.status_code == 200, body.text
    expected = TTestIndPower().solve_power(effect_size=0.5, alpha=0.05, power=0.8, alternative=alternative)
    assert body.json()["n_per_group_exact"] == pytest.approx(expected, abs=0.01)
    assert client.get("/api/stats/power/analytic", params={"delta_percent": 50, "cv": 1.0, "tails": 3}).status_code == 422
