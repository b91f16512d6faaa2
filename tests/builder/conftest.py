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
