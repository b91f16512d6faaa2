"""Conversions give the same bytes whichever executor runs them: one thread, local processes, Dask."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mpa_builder.build import build
from mpa_builder.executor import compression_threads


def _assets(stage: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in stage.rglob("*") if p.is_file() and "/assets/" in p.as_posix()}


@pytest.fixture(scope="module")
def reference(full_batch, tmp_path_factory) -> dict[str, int]:
    return _assets(build(full_batch, tmp_path_factory.mktemp("one") / "stage", workers=1).stage)


def test_process_pool_gives_identical_assets(full_batch, tmp_path, reference):
    built = build(full_batch, tmp_path / "stage", workers=2)
    assert _assets(built.stage) == reference  # names are sha256: same names = same bytes


def test_dask_cluster_gives_identical_assets(full_batch, tmp_path, reference):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
                      scheduler_port=0, dashboard_address=None) as cluster:
        seen = []
        built = build(full_batch, tmp_path / "stage", dask_address=cluster.scheduler_address,
                      progress=lambda step, done, total: seen.append((done, total)))
    assert _assets(built.stage) == reference
    assert seen[-1] == (6, 6)


def test_compression_threads_are_the_cores_the_pool_leaves_idle(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert compression_threads(workers=1, jobs=4) == 8
    assert compression_threads(workers=2, jobs=4) == 4
    assert compression_threads(workers=4, jobs=1) == 8  # one large raster: the pool would idle
    assert compression_threads(workers=3, jobs=3) == 2
    assert compression_threads(workers=16, jobs=16) == 1
    assert compression_threads(workers=1, jobs=4, dask_address="tcp://127.0.0.1:8786") == 1
