"""Where conversions run: local processes by default, a Dask cluster with `--dask ADDRESS`.

Both expose the concurrent.futures interface (submit/as_completed), so the build loop is the same.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

PRELOAD = ["mpa_builder.jobs", "mpa_builder.convert.raster", "mpa_builder.convert.thumbnail",
           "mpa_builder.convert.vector", "mpa_builder.convert.table"]


@contextlib.contextmanager
def make_executor(workers: int = 1, dask_address: str | None = None) -> Iterator[Executor]:
    if dask_address:
        from distributed import (
            Client,  # optional dependency: imported only when asked for
        )

        with Client(dask_address) as client:
            yield client.get_executor()
        return
    if workers <= 1:
        # One worker: run in a thread of this process; no process start-up cost, same code path.
        with ThreadPoolExecutor(max_workers=1) as pool:
            yield pool
        return
    import multiprocessing

    # forkserver: workers fork from a clean server process that has already imported GDAL and the
    # converters (fast start), and never inherit this process's threads or open GDAL handles.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        yield pool
