"""The same catalogue from a real SeaweedFS S3 bucket and from disk; assets outside the store are never opened."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient

from mpa_tiler.gdal_env import detach_aws_keys_from_environ, gdal_config, s3_config
from mpa_tiler.main import create_app
from mpa_tiler.settings import Settings
from tests.tiler.helpers import (
    WEB_MERCATOR,
    bathy_url,
    cog_value,
    decode_png,
    inner_tile,
)


@pytest.mark.s3
@pytest.mark.parametrize("query", ["", "?algorithm=terrarium", "?colormap_name=thermal&rescale=-100,-70"])
def test_s3_tiles_equal_local_tiles(client, s3_client, catalogue, query):
    t = inner_tile(catalogue, 14)
    url = f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png{query}"
    local, remote = client.get(url), s3_client.get(url)
    assert remote.status_code == 200, remote.text
    assert np.array_equal(decode_png(local.content), decode_png(remote.content))
    assert local.headers["etag"] == remote.headers["etag"]  # same asset checksums, same parameters


@pytest.mark.s3
def test_s3_point_and_info(s3_client, catalogue):
    r = s3_client.get(f"{bathy_url(catalogue, 'bathy')}/point/-8.075,50.305")
    assert r.json()["values"][0] == pytest.approx(cog_value(catalogue, -8.075, 50.305), abs=1e-3)
    assert s3_client.get("/readyz").json()["collections"] == 4


@pytest.mark.s3
def test_s3_vector_tiles(s3_client, s3_settings, tmp_path):
    t = WEB_MERCATOR.tile(-8.085, 50.305, 14)
    r = s3_client.get(f"/tiles/collections/habitat-map/items/habitat-map/vector/{t.z}/{t.x}/{t.y}.mvt")
    assert r.status_code == 200 and len(r.content) > 50
    assert len(list((s3_settings.cache_dir / "assets").glob("*.mbtiles"))) == 1


@pytest.mark.s3
def test_s3_restricted_layer(s3_client, catalogue, make_token):
    url = f"{bathy_url(catalogue, 'restricted')}/point/-8.075,50.305"
    assert s3_client.get(url).status_code == 401
    assert s3_client.get(url, headers={"Authorization": f"Bearer {make_token()}"}).status_code == 200


def test_gdal_s3_options_derived_from_endpoint():
    s = Settings(aws_endpoint_url="http://127.0.0.1:8333", catalog_url="s3://b/p")
    assert s3_config(s) == {"AWS_S3_ENDPOINT": "127.0.0.1:8333", "AWS_HTTPS": "NO", "AWS_VIRTUAL_HOSTING": "FALSE"}
    s = Settings(aws_endpoint_url="https://s3.jasmin.ac.uk", catalog_url="s3://b/p")
    assert s3_config(s)["AWS_HTTPS"] == "YES"
    env = gdal_config(s)
    assert env["GDAL_DISABLE_READDIR_ON_OPEN"] == "EMPTY_DIR"
    assert env["GDAL_HTTP_MERGE_CONSECUTIVE_RANGES"] == "YES" and env["GDAL_HTTP_MULTIPLEX"] == "YES"


def test_header_size_reaches_gdal(client, catalogue):
    """rio-tiler turns file:header_size into GDAL_INGESTED_BYTES_AT_OPEN for the asset it opens."""
    from mpa_tiler.reader import CatalogueItemReader

    layer = client.app.state.catalogue.layer(*catalogue.ids["bathy"])
    with CatalogueItemReader(layer) as src:
        info = src._get_asset_info("data")
    assert info["env"]["GDAL_INGESTED_BYTES_AT_OPEN"] == layer.item["assets"]["data"]["file:header_size"] > 0


@pytest.mark.parametrize("href", ["/etc/passwd", "../../../../../../../../etc/passwd", "file:///etc/passwd",
                                  "http://127.0.0.1:1/x.tif", "s3://other-bucket/x.tif"])
def test_asset_hrefs_outside_the_store_are_never_opened(catalogue, tmp_path, href):
    store = tmp_path / "store"
    shutil.copytree(catalogue.root, store)
    item_path = next(store.glob("collections/hf2012-bathymetry/*/items/*.json"))
    item = json.loads(item_path.read_text())
    item["assets"]["data"]["href"] = href
    item_path.write_text(json.dumps(item))
    c = TestClient(create_app(Settings(catalog_url=f"file://{store}", cache_dir=tmp_path / "c")))
    base = bathy_url(catalogue, "bathy")
    for url in (f"{base}/info", f"{base}/point/-8.075,50.305", f"{base}/tiles/WebMercatorQuad/14/7823/5534.png",
                f"{base}/preview.png?assets=data"):
        r = c.get(url)
        assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:200])
        assert "root:" not in r.text


@pytest.mark.s3
def test_s3_keys_in_the_environment_cost_no_boto3_session_per_tile(s3_settings, catalogue, tmp_path, monkeypatch):
    """As deployed, the keys come from the environment; rasterio then built a boto3 session for every
    rasterio.Env() (five a tile, doubling its cost). The tiler takes them out of os.environ at start."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_settings.aws_access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_settings.aws_secret_access_key)
    created = []
    original = boto3.Session.__init__

    def counting(self, *args, **kwargs):  # a spy: the real boto3 still runs
        created.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(boto3.Session, "__init__", counting)
    c = TestClient(create_app(s3_settings.model_copy(update={"cache_dir": tmp_path, "local_copy_max_bytes": 0})))
    assert "AWS_ACCESS_KEY_ID" not in os.environ and "AWS_SECRET_ACCESS_KEY" not in os.environ
    created.clear()
    for zoom in (12, 13, 14):
        t = inner_tile(catalogue, zoom)
        r = c.get(f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png")
        assert r.status_code == 200 and decode_png(r.content)[..., 3].any()
    assert created == []


def test_other_aws_keys_in_the_environment_are_left_alone(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "someone-else")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "their-secret")
    s3 = Settings(catalog_url="s3://b/p", aws_access_key_id="ours", aws_secret_access_key="x")
    assert detach_aws_keys_from_environ(s3) is False
    assert detach_aws_keys_from_environ(Settings(catalog_url="file:///srv/c")) is False
    assert os.environ["AWS_ACCESS_KEY_ID"] == "someone-else" and os.environ["AWS_SECRET_ACCESS_KEY"] == "their-secret"


def test_gdal_block_cache_is_the_configured_size_in_megabytes():
    """rasterio passes an int GDAL_CACHEMAX to GDALSetCacheMax64 as bytes: 512 once meant 512 bytes."""
    import rasterio
    from rasterio._env import get_gdal_config

    from mpa_tiler.gdal_env import rasterio_env

    settings = Settings(catalog_url="file:///srv/c", gdal_cachemax=300)
    with rasterio.Env(**rasterio_env(settings)):
        assert get_gdal_config("GDAL_CACHEMAX") == 300 * 1024 * 1024
