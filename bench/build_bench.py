"""Catalogue-builder benchmark: `mpa-catalog build` against `rio cogeo create` on the same rasters.

Prints numbers; asserts nothing. The baseline is what a data manager would otherwise run: one
`rio cogeo create` per raster, one after another, with the same encoding (deflate, predictor 3,
512-px blocks, internal overviews). The builder does more per raster (statistics, p2/p98,
thumbnail, validation, sha256, STAC), so with one worker it should stay close to the baseline
(goal: ratio <= 1.1) and with two workers be clearly faster (goal: >= 1.7x).

    .venv/bin/python bench/build_bench.py --size 6000 --count 4 --repeat 1

Peak memory is sampled over the whole process tree of a run (the CLI, its forkserver and workers)
and for its largest single process: rasters are converted in windows, so it should not grow with
raster size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import rasterio
import yaml
from rasterio.transform import from_origin
from rasterio.windows import Window

BIN = Path(sys.executable).parent


def make_raster(path: Path, size: int, seed: int) -> None:
    """A smooth synthetic depth surface with noise, written block by block (bounded memory)."""
    rng = np.random.default_rng(seed)
    phase = rng.random(4) * 6.28
    profile = {"driver": "GTiff", "height": size, "width": size, "count": 1, "dtype": "float32",
               "crs": "EPSG:32629", "transform": from_origin(540000, 5590000, 2.0, 2.0), "nodata": -9999.0,
               "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate", "predictor": 3}
    with rasterio.open(path, "w", **profile) as dst:
        for _, win in dst.block_windows(1):
            y, x = np.mgrid[win.row_off:win.row_off + win.height, win.col_off:win.col_off + win.width]
            z = (-90 + 15 * np.sin(x / 300 + phase[0]) * np.cos(y / 250 + phase[1])
                 + 4 * np.sin(x / 37 + phase[2]) + rng.normal(0, 0.05, x.shape)).astype("float32")
            z[(x - size / 2) ** 2 + (y - size / 2) ** 2 > (0.55 * size) ** 2] = -9999.0
            dst.write(z, 1, window=Window(win.col_off, win.row_off, win.width, win.height))


def make_batch(folder: Path, size: int, count: int) -> list[Path]:
    files = []
    for i in range(count):
        p = folder / "bathy" / f"tile_{i}.tif"
        p.parent.mkdir(parents=True, exist_ok=True)
        make_raster(p, size, seed=i)
        files.append(p)
    (folder / "batch.yaml").write_text(yaml.safe_dump({
        "survey": "bench", "title": "Benchmark batch", "datetime": "2012-08-15", "licence": "CC-BY-4.0",
        "depositor": "0000-0002-1825-0097",
        "layers": [{"id": "bench-bathymetry", "kind": "raster", "files": ["bathy/*.tif"],
                    "raster": {"profile": "deflate"}}],
    }))
    return files


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Run cmd to completion; peak RSS in MiB of its whole process tree (workers included), and of
    its largest single process, sampled every 100 ms (a pool's workers are not the command's own
    children, so RUSAGE_CHILDREN would miss them)."""
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    total = largest = 0
    while proc.poll() is None:
        try:
            rss = [p.memory_info().rss for p in [proc, *proc.children(recursive=True)]]
        except psutil.Error:  # a process ended between listing and reading it
            continue
        total, largest = max(total, sum(rss)), max(largest, max(rss))
        time.sleep(0.1)  # sampling interval
    if proc.returncode:
        raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
    return total / 2**20, largest / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=6000, help="pixels per side of each raster")
    ap.add_argument("--count", type=int, default=4, help="number of rasters")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mpa-bench-"))
    batch = work / "batch"
    t = time.perf_counter()
    files = make_batch(batch, args.size, args.count)
    mb = sum(f.stat().st_size for f in files) / 2**20
    print(f"batch: {args.count} float32 rasters of {args.size}x{args.size} px "
          f"({args.count * args.size**2 * 4 / 2**20:.0f} MiB uncompressed, {mb:.0f} MiB on disk), made in "
          f"{time.perf_counter() - t:.1f} s; machine: {os.cpu_count()} cores")

    out = work / "out"
    baseline = [[str(BIN / "rio"), "cogeo", "create", str(f), str(out / f"{f.stem}.tif"), "--cog-profile", "deflate",
                 "--blocksize", "512", "--overview-blocksize", "512", "--co", "PREDICTOR=3",
                 "--overview-resampling", "average", "--quiet"] for f in files]
    runs = {
        "rio cogeo create, one after another": baseline,
        "mpa-catalog build --workers 1": [[str(BIN / "mpa-catalog"), "build", str(batch), "--out", str(out / "s1"), "--workers", "1"]],
        "mpa-catalog build --workers 2": [[str(BIN / "mpa-catalog"), "build", str(batch), "--out", str(out / "s2"), "--workers", "2"]],
    }
    results: dict[str, list[float]] = {k: [] for k in runs}
    peaks: dict[str, tuple[float, float]] = {}
    for _ in range(args.repeat):
        for name, cmds in runs.items():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            t = time.perf_counter()
            peak = (0.0, 0.0)
            for cmd in cmds:
                peak = tuple(max(a, b) for a, b in zip(peak, run_measured(cmd), strict=True))
            results[name].append(time.perf_counter() - t)
            peaks[name] = tuple(max(a, b) for a, b in zip(peaks.get(name, (0.0, 0.0)), peak, strict=True))
    base = min(results["rio cogeo create, one after another"])
    print(f"\n{'run':40s} {'best wall s':>11s} {'vs baseline':>12s} {'peak RSS MiB: all':>18s} {'largest':>8s}")
    for name, walls in results.items():
        best = min(walls)
        print(f"{name:40s} {best:11.2f} {best / base:11.2f}x {peaks[name][0]:18.0f} {peaks[name][1]:8.0f}")
    one, two = min(results["mpa-catalog build --workers 1"]), min(results["mpa-catalog build --workers 2"])
    print(f"\nratio build(1 worker) / baseline = {one / base:.2f}  (goal <= 1.1)")
    print(f"speed-up build(2 workers) vs baseline = {base / two:.2f}x  (goal >= 1.7x)")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
