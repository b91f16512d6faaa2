"""Where conversions run: local processes by default, a Dask cluster with `--dask ADDRESS`.

Both expose the concurrent.futures interface (submit/as_completed), so the build loop is the same.
A local pool is started *before* the batch is validated and hashed and warms itself up meanwhile
(imports, GDAL drivers, the PROJ database): on a 2-core machine those seconds were serial work in
front of every parallel build.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

# What every worker needs; the forkserver imports it once and each worker forks with it loaded.
# "__main__" too: otherwise every worker re-imports the main module (the CLI: typer, rich, pystac)
# before its first job. Vector and table converters (geopandas, pyarrow) are left to warm_up.
PRELOAD = ["__main__", "mpa_builder.jobs", "mpa_builder.convert.raster", "mpa_builder.convert.thumbnail"]
# What a conversion of each layer kind imports: a raster-only batch never pays for geopandas.
CONVERTERS = {
    "raster": ["mpa_builder.convert.raster", "mpa_builder.convert.thumbnail"],
    "images": ["mpa_builder.convert.raster", "mpa_builder.convert.thumbnail"],
    "vector": ["mpa_builder.convert.vector"],
    "table": ["mpa_builder.convert.table"],
}


def warm_up(kinds: tuple[str, ...]) -> int:
    """Import the converters for these layer kinds and initialise GDAL and PROJ in this process."""
    for kind in kinds:
        for module in CONVERTERS.get(kind, []):
            importlib.import_module(module)
    if {"raster", "images"} & set(kinds):
        from rasterio.warp import transform_bounds

        transform_bounds("EPSG:32630", "EPSG:4326", 500000.0, 5500000.0, 500001.0, 5500001.0)
    return os.getpid()


def compression_threads(workers: int, jobs: int, dask_address: str | None = None) -> int:
    """GDAL threads each conversion may compress with: the local cores the pool itself leaves idle.

    Why: with fewer conversions than cores (one worker, or one large raster) a COG's deflate is the
    bottleneck, and GDAL compresses blocks on several threads with byte-identical output. A Dask
    cluster's cores are not known here, so its conversions keep one thread each.
    """
    if dask_address:
        return 1
    cores = os.cpu_count() or 1
    return max(1, cores // max(1, min(workers, jobs)))


@contextlib.contextmanager
def make_executor(workers: int = 1, dask_address: str | None = None,
                  kinds: Iterable[str] = tuple(CONVERTERS)) -> Iterator[Executor]:
    """An executor for conversion jobs; ``kinds`` are the layer kinds it will run (to warm up for)."""
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

    # forkserver: workers fork from a clean server process that has already imported the common
    # modules (fast start), and never inherit this process's threads or open GDAL handles.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        # one warm-up task per worker starts them all now; their results are never waited for
        for _ in range(workers):
            pool.submit(warm_up, tuple(sorted(set(kinds))))
        yield pool
