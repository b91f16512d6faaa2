"""Builder suite helpers: tiny batches are made per test (they cost about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builder.batches import make_full_batch, make_raster_batch


@pytest.fixture(scope="session")
def full_batch(tmp_path_factory) -> Path:
    return make_full_batch(tmp_path_factory.mktemp("batches") / "hf2012-auv")


@pytest.fixture(scope="session")
def raster_batch(tmp_path_factory) -> Path:
    return make_raster_batch(tmp_path_factory.mktemp("batches") / "hf2015-mbes")


@pytest.fixture(params=["local", "s3"])
def store_url(request, tmp_path):
    """An empty store: a local folder, or a fresh bucket on the session's real SeaweedFS."""
    if request.param == "local":
        yield f"file://{tmp_path / 'store'}"
        return
    server = request.getfixturevalue("seaweedfs")
    bucket = server.make_bucket("store")
    with server.environ():
        yield f"s3://{bucket}/mpa"
