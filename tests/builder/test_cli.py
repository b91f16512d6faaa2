"""The `mpa-catalog` commands end to end on real batches, as a data manager runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import mpa_builder.demo
from mpa_builder.cli import app
from tests.builder.batches import make_full_batch, make_raster_batch

runner = CliRunner()


def test_validate_build_publish_list_rollback(full_batch, raster_batch, tmp_path, monkeypatch):
    store = tmp_path / "store"
    monkeypatch.setenv("MPA_CATALOG_URL", f"file://{store}")
    monkeypatch.setenv("MPA_BUILDER_WORKERS", "1")
    monkeypatch.setenv("COLUMNS", "250")  # rich tables: no truncated cells

    r = runner.invoke(app, ["validate", str(full_batch)])
    assert r.exit_code == 0 and "hf2012-auv: valid" in r.output

    r = runner.invoke(app, ["build", str(raster_batch), "--out", str(tmp_path / "stage")])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "stage" / "build.json").read_text())["survey"] == "hf2015-mbes"
    assert not store.exists(), "build alone publishes nothing"

    r = runner.invoke(app, ["publish", str(full_batch)])  # store from MPA_CATALOG_URL
    assert r.exit_code == 0, r.output
    assert "catalogue version 1" in r.output and "published v0001" in r.output
    root_v1 = (store / "catalog.json").read_bytes()
    r = runner.invoke(app, ["publish", str(full_batch), str(raster_batch)])
    assert r.exit_code == 0 and "unchanged" in r.output and "catalogue version 2" in r.output

    r = runner.invoke(app, ["list"])
    assert r.exit_code == 0 and "current" in r.output and "hf2015-mbes-bathymetry" in r.output
    r = runner.invoke(app, ["check", "--checksums"])
    assert r.exit_code == 0 and "verified" in r.output

    r = runner.invoke(app, ["rollback", "1"])
    assert r.exit_code == 0, r.output
    assert (store / "catalog.json").read_bytes() == root_v1
    r = runner.invoke(app, ["rollback", "7"])
    assert r.exit_code == 1 and "there is no version 7" in r.output


def test_demo_generates_and_publishes_every_batch(tmp_path, monkeypatch):
    """`mpa-catalog demo` wiring: generator output goes through the real publish. The generator is
    replaced by the builder's tiny batches here (it has its own tests and takes minutes)."""
    calls = {}

    def tiny_demo(out: Path, size="small", seed=20120815, progress=None):
        calls.update(size=size, seed=seed)
        if progress:
            progress("tiny", 1, 1)
        return [make_full_batch(Path(out) / "hf2012-auv"), make_raster_batch(Path(out) / "hf2015-mbes")]

    monkeypatch.setattr(mpa_builder.demo, "make_demo_batches", tiny_demo)
    store = tmp_path / "demo-store"
    r = runner.invoke(app, ["demo", str(store), "--size", "64", "--seed", "7", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert calls == {"size": 64, "seed": 7}
    root = json.loads((store / "catalog.json").read_text())
    assert root["mpa:version"] == 1 and len([li for li in root["links"] if li["rel"] == "child"]) == 5


def test_demo_publishes_into_an_s3_store(seaweedfs, tmp_path, monkeypatch):
    """`mpa-catalog demo s3://…` (what the compose demo job runs) keeps the URL intact."""

    def tiny_demo(out: Path, size="small", seed=20120815, progress=None):
        return [make_raster_batch(Path(out) / "hf2015-mbes")]

    monkeypatch.setattr(mpa_builder.demo, "make_demo_batches", tiny_demo)
    bucket = seaweedfs.make_bucket("clidemo")
    for key, value in seaweedfs.env().items():
        monkeypatch.setenv(key, value)
    r = runner.invoke(app, ["demo", f"s3://{bucket}/catalogue", "--workers", "1"])
    assert r.exit_code == 0, r.output
    root = json.loads(seaweedfs.client().get_object(Bucket=bucket, Key="catalogue/catalog.json")["Body"].read())
    assert root["mpa:version"] == 1


def test_publish_reaches_s3_through_gdals_variables_alone(seaweedfs, tmp_path, monkeypatch):
    """A shell set up for GDAL (AWS_S3_ENDPOINT host:port, AWS_HTTPS=NO) publishes to that server."""
    bucket = seaweedfs.make_bucket("gdalenv")
    env = seaweedfs.env()
    for key in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(key, raising=False)
    for key in ("AWS_S3_ENDPOINT", "AWS_HTTPS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.setenv(key, env[key])
    batch = make_raster_batch(tmp_path / "hf2015-mbes")
    r = runner.invoke(app, ["publish", str(batch), "--store", f"s3://{bucket}/cat", "--workers", "1"])
    assert r.exit_code == 0, r.output
    root = json.loads(seaweedfs.client().get_object(Bucket=bucket, Key="cat/catalog.json")["Body"].read())
    assert root["mpa:version"] == 1


def test_s3_settings_take_gdals_endpoint_when_boto_has_none(monkeypatch):
    from mpa_builder.settings import S3Settings

    for key in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_S3_ENDPOINT", "AWS_HTTPS", "AWS_VIRTUAL_HOSTING"):
        monkeypatch.delenv(key, raising=False)
    assert S3Settings().endpoint is None and not S3Settings().virtual_hosting
    monkeypatch.setenv("AWS_S3_ENDPOINT", "s3.example.org:8333")
    assert S3Settings().endpoint == "https://s3.example.org:8333"
    monkeypatch.setenv("AWS_HTTPS", "NO")
    assert S3Settings().endpoint == "http://s3.example.org:8333"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    assert S3Settings().endpoint == "http://127.0.0.1:9000"  # boto's own variable wins
    monkeypatch.setenv("AWS_VIRTUAL_HOSTING", "TRUE")
    assert S3Settings().virtual_hosting
