"""Dataset handles kept per worker thread: reused within a thread, never shared across threads, bounded."""

from __future__ import annotations

import shutil
import threading

from mpa_tiler import reader as reader_mod
from mpa_tiler.reader import PooledReader


def test_handles_are_reused_within_a_thread_and_bounded(catalogue, tmp_path, monkeypatch):
    with PooledReader(str(catalogue.bathy_cog)) as a, PooledReader(str(catalogue.bathy_cog)) as b:
        assert a.dataset is b.dataset
        first = a.dataset
    assert not first.closed  # leaving the reader does not close the pooled handle
    monkeypatch.setattr(reader_mod, "HANDLES_PER_THREAD", 2)
    copies = []
    for i in range(3):
        copies.append(tmp_path / f"c{i}.tif")
        shutil.copyfile(catalogue.bathy_cog, copies[-1])
        with PooledReader(str(copies[-1])) as r:
            assert r.width == 512
    assert first.closed  # evicted: least recently used
    assert len(reader_mod._thread_handles()) == 2


def test_threads_get_their_own_handles(catalogue):
    seen = {}

    def open_in_thread(name):
        with PooledReader(str(catalogue.bathy_cog)) as r:
            seen[name] = r.dataset
            r.point(-8.075, 50.305)

    threads = [threading.Thread(target=open_in_thread, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["a"] is not seen["b"]
