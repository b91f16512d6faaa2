"""Publishing is atomic: killed or failing at any point, the previous catalogue stays valid and
byte-identical (root and everything it links to), and the next publish simply succeeds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mpa_builder.build import Built, build
from mpa_builder.errors import PublishError
from mpa_builder.publish import publish
from mpa_builder.stac_check import check_store, walk
from mpa_builder.store import Store

REPO = Path(__file__).resolve().parents[2]


def _reachable(store: Store) -> dict[str, bytes]:
    """Every STAC document and asset a reader can reach from catalog.json, with its bytes."""
    docs = walk(store)
    out = {k: store.read_bytes(k) for k in docs}
    import posixpath

    for key, doc in docs.items():
        for asset in doc.get("assets", {}).values():
            target = posixpath.normpath(posixpath.join(posixpath.dirname(key), asset["href"]))
            out[target] = store.read_bytes(target)
    return out


def _run_pausing(url: str, builts: list[Built], env: dict[str, str], kill_after: int | None) -> tuple[list[str], int]:
    """Start a real publish process; SIGKILL it right after its `kill_after`-th store write."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.builder.publish_pausing", url, *(str(b.stage) for b in builts)],
                            cwd=REPO, env={**os.environ, **env}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    written: list[str] = []
    try:
        for line in proc.stdout:
            if line.startswith("WROTE "):
                written.append(line.split(" ", 1)[1].strip())
                if kill_after is not None and len(written) == kill_after:
                    proc.send_signal(signal.SIGKILL)
                    break
                proc.stdin.write("\n")
                proc.stdin.flush()
            elif line.startswith("DONE "):
                break
    finally:
        proc.wait(timeout=60)
    return written, proc.returncode


@pytest.fixture(scope="module")
def staged(full_batch, raster_batch, tmp_path_factory) -> dict[str, Built]:
    """Both test batches converted once; the tests below exercise the publish step."""
    root = tmp_path_factory.mktemp("stage")
    return {"full": build(full_batch, root / "full"), "raster": build(raster_batch, root / "raster")}


@pytest.fixture
def env_for(request):
    def get(url: str) -> dict[str, str]:
        return request.getfixturevalue("seaweedfs").env() if url.startswith("s3://") else {}
    return get


def test_killed_publish_at_every_write_leaves_previous_catalogue_intact(staged, store_url, env_for):
    """Kill points cover every kind of write: an asset, an item, a collection, the version record,
    the version's root copy; each run starts from its own store holding version 1."""

    base = Store(f"{store_url}/base")
    publish(base, [staged["full"]])
    both = [staged["full"], staged["raster"]]

    def store_with_v1(name: str) -> Store:
        """A copy of the base store (relative links: a copied catalogue is the same catalogue)."""
        store = Store(f"{store_url}/{name}")
        base.fs.copy(base.root + "/", store.root + "/", recursive=True)
        assert store.read_bytes("catalog.json") == base.read_bytes("catalog.json")
        return store

    # learn the order of writes from a complete run (same code path, same kind of store)
    probe = store_with_v1("probe")
    order, code = _run_pausing(probe.url, both, env_for(store_url), None)
    assert code == 0 and order[-1] == "catalog.json" and order[-2] == "versions/v0002/catalog.json"
    assert json.loads(probe.read_bytes("catalog.json"))["mpa:version"] == 2

    local = store_url.startswith("file:")
    # locally every write except the last (the root itself); on S3 (slower) a collection, the
    # version record, the version's root copy
    points = range(1, len(order)) if local else sorted({len(order) - 4, len(order) - 3, len(order) - 1})
    for k in points:
        store = store_with_v1(f"k{k}")
        before, root = _reachable(store), store.read_bytes("catalog.json")
        written, code = _run_pausing(store.url, both, env_for(store_url), k)
        assert (code, written) == (-signal.SIGKILL, order[:k])
        assert store.read_bytes("catalog.json") == root, f"root changed after kill at write {k} ({written[-1]})"
        assert _reachable(store) == before
        assert check_store(store) == []
        if k == len(order) - 1:
            # the next publish just works; the killed run's leftovers do not matter
            res = publish(store, both)
            # v0002 was written (never made current) by the killed run; numbers are never reused
            assert res.version == 3 and check_store(store, checksums=True) == []


class FailingStore(Store):
    """Fails the n-th write, like an S3 error or a full disk would."""

    def __init__(self, url: str, fail_at: int = 0, fail_key: str | None = None) -> None:
        super().__init__(url)
        self.fail_at, self.fail_key, self.writes = fail_at, fail_key, 0

    def _count(self, key: str) -> None:
        self.writes += 1
        if self.writes == self.fail_at or key == self.fail_key:
            raise OSError(f"injected store failure at write {self.writes} ({key})")

    def write_bytes(self, key, data):
        self._count(key)
        super().write_bytes(key, data)

    def put_file(self, local, key):
        self._count(key)
        super().put_file(local, key)


def test_store_errors_leave_previous_catalogue_intact(staged, tmp_path):
    """Store failures at every position (S3 outages are the next test, with a real server)."""
    store_url = f"file://{tmp_path / 'store'}"
    store = Store(store_url)
    publish(store, [staged["raster"]])
    before = _reachable(store)
    # Every attempt fails at its 4th write; objects written by earlier attempts are reused, so
    # the failure point walks through assets, items, collections, the version record and the root.
    failed_on: list[int] = []
    step = 4
    while True:
        flaky = FailingStore(store_url, step)
        try:
            result = publish(flaky, [staged["raster"], staged["full"]])
            break
        except PublishError as exc:
            assert "injected" in str(exc) and "the published catalogue (version 1) is unchanged" in str(exc)
            failed_on.append(flaky.writes)
            assert _reachable(store) == before
            assert len(failed_on) < 40, "publishing does not make progress"
    assert len(failed_on) >= 3
    assert result.version >= 2 and check_store(store, checksums=True) == []

    # failures on the last three writes, named explicitly (a second store holding version 1)
    other = Store(store_url + "-keys")
    publish(other, [staged["raster"]])
    before = _reachable(other)
    for key in ("versions/v0002/manifest.json", "versions/v0002/catalog.json", "catalog.json"):
        with pytest.raises(PublishError, match="injected"):
            publish(FailingStore(other.url, fail_key=key), [staged["raster"], staged["full"]])
        assert _reachable(other) == before


def test_killed_cli_publish_leaves_previous_root(staged, full_batch, tmp_path):
    """The real console script, killed as soon as it has started writing into the store."""
    store = Store(str(tmp_path / "store"))
    publish(store, [staged["raster"]])
    root = store.read_bytes("catalog.json")
    before = _reachable(store)
    exe = Path(sys.executable).parent / "mpa-catalog"
    proc = subprocess.Popen([str(exe), "publish", str(full_batch), "--store", store.root, "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assets = Path(store.root) / "assets"
    n0 = sum(1 for _ in assets.rglob("*"))
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(1 for _ in assets.rglob("*")) > n0:  # it has begun publishing
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the publish finished before it could be killed"
    assert store.read_bytes("catalog.json") == root
    assert _reachable(store) == before and check_store(store) == []


def test_s3_server_stopping_mid_publish_leaves_previous_catalogue(staged, tmp_path):
    """A real outage: the SeaweedFS process is killed during the uploads, then started again on
    the same data; the catalogue it serves is the previous one, whole."""
    from tests.fixtures.seaweedfs import (
        restart_seaweedfs,
        start_seaweedfs,
        stop_seaweedfs,
    )

    server = start_seaweedfs(tmp_path / "weed")
    try:
        bucket = server.make_bucket("outage")
        with server.environ():
            url = f"s3://{bucket}/mpa"
            publish(Store(url), [staged["raster"]])
            before = _reachable(Store(url))

            class Outage(Store):
                puts = 0

                def put_file(self, local, key):
                    Outage.puts += 1
                    if Outage.puts == 3:
                        stop_seaweedfs(server)  # the store goes away between two uploads
                    super().put_file(local, key)

            with pytest.raises(PublishError, match="the published catalogue \\(version 1\\) is unchanged"):
                publish(Outage(url), [staged["raster"], staged["full"]])
            server = restart_seaweedfs(server)
            store = Store(url)
            assert _reachable(store) == before and check_store(store) == []
            assert publish(store, [staged["raster"], staged["full"]]).version == 2
    finally:
        stop_seaweedfs(server)
