"""Tile-serving benchmark: the MPA tiler against stock titiler and nginx serving pre-rendered tiles.

Prints numbers; it is not a test. Map-typical requests: 256-px PNG tiles with a colormap and a
rescale over a benchmark-size float32 bathymetry COG (>= 8000 x 8000, deflate + predictor 3,
512-px blocks, internal overviews), every tile of zooms 10-13 that touches the data, fetched at
concurrency 8. Each server is a fresh process (one uvicorn worker, one nginx worker):

- cold: the first pass over the tiles just after the server started;
- warm: two further passes over the same tiles (what a map gets when people pan back);
- stock titiler (``titiler.application``, ``?url=`` to the same COG file), same GDAL settings;
- nginx: the very same PNG bytes pre-rendered to disk and served statically (the limit);
- our tiler reading the catalogue from SeaweedFS S3 vs from local disk.

    .venv/bin/python bench/tiles_bench.py [--size 8192] [--work /tmp/mpa-tiles-bench] [--write-docs]

Needs ``pip install -e ./tiler[bench]`` (titiler.application) and Debian's nginx.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import morecantile
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.tiler.catalog_factory import (  # noqa: E402 (needs ROOT on sys.path)
    BATHY_NODATA,
    CatalogueWriter,
    _cog_item,
    _collection,
    write_cog,
)

PY = sys.executable
CONCURRENCY = 8
ZOOMS = (10, 11, 12, 13)
RESCALE = "-140,-40"
COLORMAP = "viridis"  # a map both servers know, so both do the same work
QUERY = f"rescale={RESCALE}&colormap_name={COLORMAP}"
GDAL_ENV = {  # the same GDAL settings for every Python server
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "GDAL_CACHEMAX": "512", "VSI_CACHE": "TRUE",
    "VSI_CACHE_SIZE": str(64 * 1024 * 1024), "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
    "GDAL_HTTP_MULTIPLEX": "YES",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- data ---------------------------------------------------------------------------------------
def synthetic_bathymetry(size: int) -> np.ndarray:
    """A smooth shelf with ridges and a reef, -140..-40 m, nodata in one corner (float32)."""
    y = np.linspace(0, 1, size, dtype="float32")[:, None]
    x = np.linspace(0, 1, size, dtype="float32")[None, :]
    depth = -90 - 35 * x + 8 * np.sin(23 * x + 3 * y) * np.cos(17 * y) + 4 * np.sin(71 * x * y + 5 * y)
    depth += 25 * np.exp(-(((x - 0.45) ** 2 + (y - 0.55) ** 2) / 0.004))
    depth = depth.astype("float32")
    depth[: size // 10, -size // 10:] = BATHY_NODATA
    return depth


def build_store(work: Path, size: int) -> tuple[Path, Path, tuple[str, str]]:
    """A one-layer catalogue in the contract's layout; cached between runs."""
    store = work / "store"
    marker = store / f".size-{size}"
    cog = work / "bathy-src.tif"
    if not marker.exists():
        shutil.rmtree(store, ignore_errors=True)
        from rasterio.transform import from_origin

        print(f"making a {size}x{size} float32 COG ...", flush=True)
        t0 = time.perf_counter()
        transform = from_origin(545_000.0, 5_595_000.0, 5.0, 5.0)
        write_cog(cog, synthetic_bathymetry(size)[None], profile="deflate", nodata=BATHY_NODATA, mask=None,
                  transform=transform, overview_level=None, predictor=3, blockxsize=512, blockysize=512)
        import rasterio
        from rasterio.warp import transform_bounds

        with rasterio.open(cog) as src:
            bbox = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=21)
        writer = CatalogueWriter(store)
        rel, path = writer.add_asset(cog, "tif", restricted=False)
        band = {"data_type": "float32", "nodata": BATHY_NODATA, "unit": "m"}
        item = _cog_item("bench-bathy", rel, path, bbox, transform, (size, size), [band])
        renders = {"default": {"assets": ["data"], "colormap_name": COLORMAP, "rescale": [[-140, -40]]}}
        writer.add_collection(_collection("bench-bathymetry", access="public", kind="raster", theme="bathymetry",
                                          bbox=bbox, renders=renders, units="m"), [item], restricted=False)
        writer.write_root()
        marker.write_text(str(size))
        print(f"  done in {time.perf_counter() - t0:.0f} s", flush=True)
    published = next(store.glob("assets/*/*.tif"))
    return store, published, ("bench-bathymetry", "bench-bathy")


def tiles_for(cog: Path) -> list[morecantile.Tile]:
    import rasterio
    from rasterio.warp import transform_bounds

    with rasterio.open(cog) as src:
        w, s, e, n = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=21)
    tms = morecantile.tms.get("WebMercatorQuad")
    return [t for z in ZOOMS for t in tms.tiles(w, s, e, n, [z])]


# -- servers ------------------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    base: str
    proc: subprocess.Popen
    log: Path


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # poll interval
    raise RuntimeError(f"{url} not ready")


@contextmanager
def uvicorn(name: str, app: str, env: dict, work: Path, ready_path: str):
    port = free_port()
    log = work / f"{name}.log"
    proc = subprocess.Popen(
        [PY, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--no-access-log", "--log-level", "warning"],
        env={**os.environ, **GDAL_ENV, **env}, stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + ready_path, proc, log)
        yield Server(name, base, proc, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@contextmanager
def nginx(root: Path, work: Path):
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  types {{ image/png png; }}
  client_body_temp_path {work}/nginx-tmp; proxy_temp_path {work}/nginx-tmp; fastcgi_temp_path {work}/nginx-tmp;
  uwsgi_temp_path {work}/nginx-tmp; scgi_temp_path {work}/nginx-tmp;
  server {{ listen 127.0.0.1:{port}; root {root}; location / {{ add_header Cache-Control "public, max-age=3600"; }} }}
}}
""")
    (work / "nginx-tmp").mkdir(exist_ok=True)
    log = work / "nginx.log"
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-e", str(work / "nginx-error.log")],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)  # noqa: SIM115
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/", proc, log)
        yield Server("nginx", base, proc, log)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# -- load ---------------------------------------------------------------------------------------
@dataclass
class Result:
    label: str
    n: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.n / self.seconds

    def pct(self, p: float) -> float:
        return float(np.percentile(self.latencies, p)) * 1000


async def _fetch_all(urls: list[str]) -> tuple[float, list[float], int, list[bytes]]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    latencies: list[float] = []
    bodies: list[bytes] = [b""] * len(urls)
    errors = 0
    queue: asyncio.Queue = asyncio.Queue()
    for i, u in enumerate(urls):
        queue.put_nowait((i, u))

    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        async def worker():
            nonlocal errors
            while True:
                try:
                    i, url = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                r = await client.get(url)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1
                bodies[i] = r.content

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - t0, latencies, errors, bodies


def interleaved(named_urls: dict[str, list[str]], passes: int = 1, chunk: int = 32) -> dict[str, Result]:
    """Fetch every URL list in chunks of ``chunk`` tiles, alternating servers (and who goes first).

    Why: the machine is shared, and its load drifts over minutes; servers compared one after the
    other would be measured under different loads. Interleaving gives each the same conditions.
    """
    names = list(named_urls)
    n = len(next(iter(named_urls.values())))
    seconds = {k: 0.0 for k in names}
    lats: dict[str, list[float]] = {k: [] for k in names}
    errors = {k: 0 for k in names}
    bodies: dict[str, list[bytes]] = {k: [] for k in names}
    for p in range(passes):
        for j, i in enumerate(range(0, n, chunk)):
            order = names if (j + p) % 2 == 0 else names[::-1]
            for name in order:
                sec, lat, err, body = asyncio.run(_fetch_all(named_urls[name][i:i + chunk]))
                seconds[name] += sec
                lats[name] += lat
                errors[name] += err
                if p == 0:
                    bodies[name] += body
    out = {}
    for name in names:
        res = Result(name, n * passes, seconds[name], lats[name], errors[name])
        res.bodies = bodies[name]  # type: ignore[attr-defined]
        print(f"  {name:<34} {res.rate:8.1f} tiles/s  p50 {res.pct(50):7.1f} ms  p95 {res.pct(95):7.1f} ms"
              f"  errors {res.errors}", flush=True)
        out[name] = res
    return out


def ours_urls(base: str, ids: tuple[str, str], tiles) -> list[str]:
    c, i = ids
    return [f"{base}/tiles/collections/{c}/items/{i}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png?{QUERY}"
            for t in tiles]


def stock_urls(base: str, cog: Path, tiles) -> list[str]:
    return [f"{base}/cog/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png?url={cog}&{QUERY}" for t in tiles]


# -- main ---------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=8192)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "mpa-tiles-bench")
    ap.add_argument("--write-docs", action="store_true", help="update the Tiler section of docs/benchmarks.md")
    ap.add_argument("--no-s3", action="store_true")
    args = ap.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    store, cog, ids = build_store(work, args.size)
    tiles = tiles_for(cog)
    print(f"{len(tiles)} tiles at z{ZOOMS[0]}-{ZOOMS[-1]}, concurrency {CONCURRENCY}, 256-px PNG, "
          f"colormap {COLORMAP}, rescale {RESCALE}", flush=True)
    results: dict[str, Result] = {}
    cache = work / "tiler-cache"
    local_env = {"MPA_CATALOG_URL": f"file://{store}", "MPA_TILER_CACHE_DIR": str(cache)}

    print("MPA tiler and stock titiler (titiler.application, url=), side by side", flush=True)
    with uvicorn("mpa-local", "mpa_tiler.main:app", local_env, work, "/readyz") as ours, \
            uvicorn("stock-titiler", "titiler.application.main:app", {}, work, "/healthz") as stock:
        urls = {"ours": ours_urls(ours.base, ids, tiles), "stock": stock_urls(stock.base, cog, tiles)}
        cold = interleaved(urls)
        warm = interleaved(urls, passes=2, chunk=len(tiles))  # fast: whole passes, no reconnect per chunk
    results.update(ours_cold=cold["ours"], stock_cold=cold["stock"], ours_warm=warm["ours"],
                   stock_warm=warm["stock"])
    bodies = cold["ours"].bodies

    # the same bytes, pre-rendered, for nginx; measured side by side with our warm tiler
    static = work / "static"
    shutil.rmtree(static, ignore_errors=True)
    for t, body in zip(tiles, bodies, strict=True):
        p = static / str(t.z) / str(t.x) / f"{t.y}.png"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(body)
    print("MPA tiler (warm) and nginx serving the pre-rendered tiles, side by side", flush=True)
    with uvicorn("mpa-local-2", "mpa_tiler.main:app", local_env, work, "/readyz") as ours, nginx(static, work) as ng:
        urls = {"ours": ours_urls(ours.base, ids, tiles),
                "nginx": [f"{ng.base}/{t.z}/{t.x}/{t.y}.png" for t in tiles]}
        interleaved(urls, chunk=len(tiles))  # warm-up: our LRU and nginx's page cache
        warm2 = interleaved(urls, passes=2, chunk=len(tiles))
    results.update(ours_warm_vs_static=warm2["ours"], static=warm2["nginx"])

    if not args.no_s3:
        print("MPA tiler on SeaweedFS S3 and on local disk, side by side (both cold)", flush=True)
        from tests.fixtures.seaweedfs import start_seaweedfs, stop_seaweedfs

        weed = start_seaweedfs(work / f"seaweedfs-{os.getpid()}")
        try:
            client = weed.client()
            client.create_bucket(Bucket="bench")
            for path in sorted(store.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    client.upload_file(str(path), "bench", f"catalog/{path.relative_to(store).as_posix()}")
            s3env = {"MPA_CATALOG_URL": "s3://bench/catalog", "MPA_TILER_CACHE_DIR": str(cache) + "-s3",
                     "AWS_ENDPOINT_URL": weed.endpoint_url, "AWS_ACCESS_KEY_ID": weed.access_key,
                     "AWS_SECRET_ACCESS_KEY": weed.secret_key, "AWS_REGION": "us-east-1"}
            # as deployed (rasters copied to local disk in the background on first read), and with
            # copies switched off: every block by range request, the pure object-storage path
            ranges_env = {**s3env, "MPA_TILER_LOCAL_COPY_MAX_BYTES": "0", "MPA_TILER_CACHE_DIR": str(cache) + "-s3r"}
            shutil.rmtree(str(cache) + "-s3", ignore_errors=True)
            with uvicorn("mpa-s3", "mpa_tiler.main:app", s3env, work, "/readyz") as s3, \
                    uvicorn("mpa-s3-ranges", "mpa_tiler.main:app", ranges_env, work, "/readyz") as s3r, \
                    uvicorn("mpa-local-3", "mpa_tiler.main:app", local_env, work, "/readyz") as local:
                urls = {"S3": ours_urls(s3.base, ids, tiles), "S3 ranges": ours_urls(s3r.base, ids, tiles),
                        "disk": ours_urls(local.base, ids, tiles)}
                both = interleaved(urls)
            results.update(s3_cold=both["S3"], s3_ranges_cold=both["S3 ranges"], disk_cold_vs_s3=both["disk"])
            for name in ("S3", "S3 ranges"):
                same = sum(a == b for a, b in zip(bodies, both[name].bodies, strict=True))
                print(f"  {name} tiles identical to disk tiles: {same}/{len(bodies)}")
        finally:
            stop_seaweedfs(weed)
            shutil.rmtree(work / f"seaweedfs-{os.getpid()}", ignore_errors=True)

    table = report(results, len(tiles), args.size)
    print()
    print(table)
    if args.write_docs:
        write_docs(table, args)


def report(r: dict[str, Result], n_tiles: int, size: int) -> str:
    rows = [("MPA tiler, disk, cold", "ours_cold", "A"), ("stock titiler, cold", "stock_cold", "A"),
            ("MPA tiler, disk, warm", "ours_warm", "A"), ("stock titiler, warm", "stock_warm", "A"),
            ("MPA tiler, disk, warm", "ours_warm_vs_static", "B"), ("nginx, pre-rendered (limit)", "static", "B"),
            ("MPA tiler, S3 (local copies), cold", "s3_cold", "C"),
            ("MPA tiler, S3 (range requests only), cold", "s3_ranges_cold", "C"),
            ("MPA tiler, disk, cold", "disk_cold_vs_s3", "C")]
    lines = ["| run | server | tiles/s | p50 ms | p95 ms | errors |", "|---|---|---:|---:|---:|---:|"]
    for label, key, run in rows:
        if key in r:
            x = r[key]
            lines.append(f"| {run} | {label} | {x.rate:.1f} | {x.pct(50):.1f} | {x.pct(95):.1f} | {x.errors} |")
    lines.append("")
    goals = [("warm vs stock titiler warm (goal >= 3x)", "ours_warm", "stock_warm", False),
             ("warm vs nginx static (goal >= 0.5x)", "ours_warm_vs_static", "static", False),
             ("cold vs stock titiler cold (goal >= 1x)", "ours_cold", "stock_cold", False),
             ("S3 cold p50 latency / disk cold p50 latency (goal <= 1.3)", "s3_cold", "disk_cold_vs_s3", True),
             ("S3 range requests only: cold p50 / disk cold p50 (for reference)", "s3_ranges_cold",
              "disk_cold_vs_s3", True)]
    lines += ["| ratio | value |", "|---|---:|"]
    for label, a, b, latency in goals:
        if a in r and b in r:
            value = r[a].pct(50) / r[b].pct(50) if latency else r[a].rate / r[b].rate
            lines.append(f"| {label} | {value:.2f} |")
    lines.append("")
    lines.append(f"{n_tiles} tiles (z{ZOOMS[0]}-{ZOOMS[-1]}) of a {size}x{size} float32 COG, 256-px PNG, "
                 f"`{QUERY}`, concurrency {CONCURRENCY}, one server process each. Rows with the same run letter "
                 "ran side by side (servers up together, requests interleaved in chunks of 32 tiles).")
    return "\n".join(lines)


BEGIN, END = "<!-- tiles_bench.py: begin -->", "<!-- tiles_bench.py: end -->"


def write_docs(table: str, args) -> None:
    """Replace the generated block of the Tiler section (between the markers); keep the prose around it."""
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text()
    cmd = "`.venv/bin/python bench/tiles_bench.py --write-docs`" + (f" (`--size {args.size}`)" if args.size != 8192 else "")
    block = (f"{BEGIN}\nCommand: {cmd} — run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"load average before the run {os.getloadavg()[0]:.2f}.\n\n{table}\n{END}")
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        doc.write_text(head + block + tail)
    else:
        head, sep, rest = text.partition("## Tiler\n")
        if not sep:
            head, sep, rest = text.rstrip("\n") + "\n\n", "## Tiler\n", ""
        doc.write_text(head + sep + "\n" + block + "\n" + rest)
    print(f"wrote {doc}")


if __name__ == "__main__":
    main()
