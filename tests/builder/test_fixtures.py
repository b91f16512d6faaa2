"""The shared catalogue fixtures other suites build on: valid, complete, the same on S3 as locally."""

from __future__ import annotations

import json

from mpa_builder.stac_check import check_store
from mpa_builder.store import Store


def test_demo_catalog_is_a_valid_catalogue_with_every_kind(demo_catalog):
    store = Store(demo_catalog.url)
    assert check_store(store, checksums=True) == []
    kinds = {c["kind"] for c in demo_catalog.collections}
    assert kinds == {"raster", "vector", "images", "table"}
    assert demo_catalog.collection_ids("restricted"), "the demo has a restricted collection"
    assert demo_catalog.root["mpa:version"] == demo_catalog.version >= 1
    assert demo_catalog.url.startswith("file://") and (demo_catalog.path / "catalog.json").is_file()


def test_demo_catalog_s3_is_the_same_catalogue(demo_catalog, demo_catalog_s3, seaweedfs):
    with seaweedfs.environ():
        store = Store(demo_catalog_s3.url)
        assert check_store(store) == []
        root = store.read_bytes("catalog.json")
    # same batches, same builder: byte-identical root, so every content-addressed path agrees too
    assert root == (demo_catalog.path / "catalog.json").read_bytes()
    assert json.loads(root)["mpa:version"] == demo_catalog_s3.version
    assert demo_catalog_s3.env["AWS_ENDPOINT_URL"] == seaweedfs.endpoint_url
