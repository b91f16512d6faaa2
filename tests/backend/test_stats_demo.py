"""Statistics routes over the published Haig Fras demo catalogue (the shared `demo_catalog` fixture).

Expected values are read independently from the published GeoParquet (STAC JSON walked by hand,
parquet read with pandas), not from the service.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin, urlparse

import numpy as np
import pandas as pd
import pytest
from scipy import stats

INTEREST = ["pentapora_foliacea", "galeus_melastomus"]


def _table(demo_catalog, collection_id: str) -> pd.DataFrame:
    root_url = demo_catalog.url.rstrip("/") + "/catalog.json"
    root = json.loads(Path(urlparse(root_url).path).read_text())
    for link in root["links"]:
        if link["rel"] != "child":
            continue
        c_url = urljoin(root_url, link["href"])
        coll = json.loads(Path(urlparse(c_url).path).read_text())
        if coll["id"] != collection_id:
            continue
        frames = []
        for il in (x for x in coll["links"] if x["rel"] == "item"):
            i_url = urljoin(c_url, il["href"])
            item = json.loads(Path(urlparse(i_url).path).read_text())
            frames.append(pd.read_parquet(urlparse(urljoin(i_url, item["assets"]["data"]["href"])).path))
        frame = pd.concat(frames, ignore_index=True).sort_values("datetime", kind="stable", ignore_index=True)
        return frame, coll["mpa:taxa"]
    raise AssertionError(f"{collection_id} not in the demo catalogue")


@pytest.fixture
def tables(api_client):
    listed = api_client.get("/api/collections").json()
    ids = [c["id"] for c in listed if c["kind"] == "table" and not c["locked"]]
    assert len(ids) >= 2, "the demo has two annotation surveys"
    return sorted(ids)


def test_summary_of_each_demo_survey_accounts_for_every_image(api_client, demo_catalog, tables):
    for cid in tables:
        frame, taxa = _table(demo_catalog, cid)
        body = api_client.post(f"/api/stats/{cid}/summary", json={"n_boot": 200, "taxa_of_interest": INTEREST}).json()
        su = body["sample_units"]
        assert body["images_selected"] == len(frame)
        assert sum(u["images"] for u in body["units"]) + su["dropped_images"] == len(frame)
        assert sum(u["individuals"] for u in body["units"]) <= frame[taxa].to_numpy().sum()
        for u in body["units"]:
            assert abs(u["area_m2"] - 150) <= frame["area_seabed_m2"].max()
        overall = next(r for r in body["summary"] if r["group"] == "all" and r["metric"] == "density_per_m2" and not r["taxon"])
        dens = np.array([u["density_per_m2"] for u in body["units"]])
        assert overall["mean"] == pytest.approx(dens.mean()) and overall["sd"] == pytest.approx(dens.std(ddof=1))
        assert overall["ci_low"] < overall["mean"] < overall["ci_high"]


def test_density_by_substratum_matches_the_published_table(api_client, demo_catalog, tables):
    frame, taxa = _table(demo_catalog, tables[0])
    rows = {r["substratum"]: r for r in api_client.get(f"/api/stats/{tables[0]}/density").json()}
    for sub, part in frame.groupby("substratum"):
        assert rows[sub]["images"] == len(part)
        assert rows[sub]["density_per_m2"] == pytest.approx(part[taxa].to_numpy().sum() / part["area_seabed_m2"].sum())


def test_two_demo_surveys_compare_on_species_of_interest(api_client, tables):
    a, b = tables[:2]
    req = {"a": {"collection": a, "selection": {"substrata": ["rock"]}},
           "b": {"collection": b, "selection": {"substrata": ["rock"]}},
           "metrics": ["density_per_m2"], "taxa_of_interest": INTEREST, "n_boot": 300, "n_perm": 500}
    res = api_client.post("/api/stats/compare", json=req)
    assert res.status_code == 200, res.text
    rows = {r["taxon"]: r for r in res.json()["comparisons"]}
    units = {}
    for side, cid in (("a", a), ("b", b)):
        body = api_client.post(f"/api/stats/{cid}/summary", json={"selection": {"substrata": ["rock"]}, "n_boot": 0,
                                                                   "taxa_of_interest": INTEREST}).json()
        units[side] = pd.DataFrame([u["taxon_density_per_m2"] for u in body["units"]])
    for taxon in INTEREST:
        da, db = units["a"][taxon], units["b"][taxon]
        assert rows[taxon]["difference"] == pytest.approx(db.mean() - da.mean())
        assert rows[taxon]["welch_p"] == pytest.approx(stats.ttest_ind(db, da, equal_var=False).pvalue)


def test_power_for_a_species_of_interest_from_the_demo_pilot(api_client, tables):
    req = {"metric": "taxon_density", "taxon": "pentapora_foliacea", "delta_percent": 28,
           "selection": {"substrata": ["rock"]}, "n_per_group": [5, 40, 200], "replicates": 300}
    body = api_client.post(f"/api/stats/{tables[0]}/power/simulation", json=req).json()
    powers = [r["power"] for r in body["curve"]]
    assert powers[0] < powers[-1]
    assert body["pilot_units"] > 5 and body["unit"] == "ind m-2"
