"""Benchmark of the statistics package on a synthetic 1,000,000-image survey with 80 taxa.

Run:  .venv/bin/python bench/stats_bench.py [--images 1000000] [--baseline-images 50000]

Prints, for each task, the vectorised time beside a naive per-row pandas baseline run in the same
go. The baseline walks the rows (iterrows) on a subset of `--baseline-images` images and is also
shown scaled linearly to the full survey, labelled as such; it is far too slow to run on 1 M rows.
Tasks:
1. polygon statistics: polygon selection, sample units (150 m2), per-unit diversity, summaries per
   substratum and overall with 1,000 bootstrap replicates;
2. power simulation: 1,000 replicates at each of 10 sample sizes, negative-binomial counts
   fitted to the pilot units, Welch tests.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
from scipy import stats
from shapely.geometry import Point, Polygon

from mpa_backend.stats import analysis, simulation
from mpa_backend.stats.survey import select, survey_from_frame

POLY = {"type": "Polygon", "coordinates": [[[-8.30, 50.10], [-7.95, 50.12], [-7.90, 50.45], [-8.25, 50.40],
                                            [-8.30, 50.10]]]}
N_GRID = [5, 10, 15, 20, 30, 40, 60, 80, 100, 150]


def synthetic_frame(images: int, taxa: int = 80, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    runs = np.repeat(rng.integers(0, 3, images // 100 + 1), 100)[:images]
    sub = np.array(["rock", "mixed", "sand"])[runs]
    t = np.cumsum(rng.uniform(1, 3, images))
    frame = pd.DataFrame({
        "id_image": np.arange(images).astype(str),
        "datetime": pd.Timestamp("2012-08-15", tz="UTC") + pd.to_timedelta(t, unit="s"),
        "longitude": -8.4 + 0.6 * (np.arange(images) / images) + rng.normal(0, 0.01, images),
        "latitude": 50.0 + 0.5 * np.abs(np.sin(np.arange(images) / 5e4)),
        "area_seabed_m2": rng.uniform(6.5, 8.1, images),
        "substratum": sub,
        "habitat": sub,
    })
    means = rng.gamma(0.5, 0.3, (3, taxa))
    mu = means[runs]
    counts = rng.negative_binomial(0.7, 0.7 / (0.7 + mu)).astype(np.int32)
    names = [f"taxon_{j:02d}" for j in range(taxa)]
    return pd.concat([frame, pd.DataFrame(counts, columns=names)], axis=1), names


def vectorised_polygon_stats(survey):
    rows = select(survey, polygon=POLY)
    table = analysis.unit_table(survey, rows, taxa_of_interest=["taxon_00", "taxon_01"], target_area_m2=150)
    summary = analysis.summarise_units(table, n_boot=1000, seed=0)
    return len(rows), len(table.units), summary


def naive_polygon_stats(frame: pd.DataFrame, names: list[str], n_boot: int = 1000):
    """What a straightforward per-row script does: point-in-polygon per row, units by a row loop,
    metrics per unit in Python, bootstrap by a Python loop over replicates."""
    poly = Polygon(POLY["coordinates"][0])
    keep = [poly.contains(Point(r.longitude, r.latitude)) for r in frame.itertuples()]
    sel = frame[keep]
    units, cur, area, prev_sub, prev_idx = [], [], 0.0, None, None
    for idx, r in sel.iterrows():
        if cur and (r["substratum"] != prev_sub or idx != prev_idx + 1 or area >= 150):
            units.append(cur)
            cur, area = [], 0.0
        cur.append(r)
        area += r["area_seabed_m2"]
        prev_sub, prev_idx = r["substratum"], idx
    if cur:
        units.append(cur)
    recs = []
    for u in units:
        df = pd.DataFrame(u)
        c = df[names].sum()
        n, a = c.sum(), df["area_seabed_m2"].sum()
        p = c[c > 0] / n if n else c[c > 0]
        recs.append({"substratum": df["substratum"].iloc[0], "density": n / a, "richness": int((c > 0).sum()),
                     "q1": float(np.exp(-(p * np.log(p)).sum())) if n else np.nan})
    units_df = pd.DataFrame(recs)
    rng = np.random.default_rng(0)
    out = {}
    for g, sub in [("all", units_df)] + list(units_df.groupby("substratum")):
        for m in ("density", "richness", "q1"):
            v = sub[m].to_numpy()
            boots = [np.mean(rng.choice(v, len(v))) for _ in range(n_boot)]
            out[(g, m)] = (v.mean(), v.std(ddof=1), np.quantile(boots, [0.025, 0.975]))
    return len(sel), len(units_df), out


def vectorised_power(pilot_counts, pilot_area):
    return simulation.simulate_power(pilot_counts, n_per_group=N_GRID, delta_percent=10, model="negbin",
                                     replicates=1000, seed=0, pilot_area_m2=pilot_area)


def naive_power(pilot_counts, pilot_area, replicates=1000):
    mu, k = simulation.negbin_fit(pilot_counts)
    rng = np.random.default_rng(0)
    area = float(np.mean(pilot_area))
    out = []
    for n in N_GRID:
        hits = 0
        for _ in range(replicates):
            a = rng.negative_binomial(k, k / (k + mu), n) / area
            b = rng.negative_binomial(k, k / (k + 0.9 * mu), n) / area
            hits += stats.ttest_ind(b, a, equal_var=False).pvalue < 0.05
        out.append(hits / replicates)
    return out


def timed(fn, *args, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1_000_000)
    ap.add_argument("--baseline-images", type=int, default=50_000)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; numpy {np.__version__}, pandas {pd.__version__}; "
          f"load average at start {os.getloadavg()[0]:.1f} (other work on the machine slows every number)")
    t = time.perf_counter()
    frame, names = synthetic_frame(args.images)
    print(f"synthetic survey: {len(frame):,} images x {len(names)} taxa ({time.perf_counter() - t:.1f} s to generate)")
    load, survey = timed(survey_from_frame, frame, names)
    print(f"table -> numpy columns (once per table version, cached by checksum): {load:.3f} s")

    vt, (n_sel, n_units, _) = timed(vectorised_polygon_stats, survey, repeat=3)
    mid = len(frame) // 2  # a contiguous stretch of track from the middle of the survey
    sub = frame.iloc[mid - args.baseline_images // 2: mid + args.baseline_images // 2]
    bt, (b_sel, b_units, _) = timed(naive_polygon_stats, sub, names)
    scale = len(frame) / len(sub)
    print("\n1. polygon statistics (selection, 150 m2 units, 9 metrics + 2 taxa, 1,000 bootstrap replicates)")
    print(f"   vectorised, {len(frame):,} images: {vt:8.3f} s   ({n_sel:,} images in polygon, {n_units:,} units)")
    print(f"   naive per-row pandas, {len(sub):,} images: {bt:8.3f} s   ({b_sel:,} in polygon, {b_units:,} units)")
    print(f"   naive scaled x{scale:.0f} to {len(frame):,} images: ~{bt * scale:8.1f} s  -> speed-up ~{bt * scale / vt:,.0f}x")

    st, rows = timed(lambda: select(survey, polygon=POLY), repeat=3)
    ut, table_i = timed(lambda: analysis.unit_table(survey, rows, taxa_of_interest=["taxon_00", "taxon_01"]), repeat=3)
    sm, _ = timed(lambda: analysis.summarise_units(table_i, n_boot=1000, seed=0), repeat=3)
    print(f"   stages: polygon selection {st:.3f} s, sample units + per-unit metrics {ut:.3f} s, "
          f"summaries with bootstrap {sm:.3f} s")

    table = analysis.unit_table(survey, rows, target_area_m2=150)
    pilot, area = table.metrics["individuals"], table.units.area_m2
    vp, res = timed(vectorised_power, pilot, area, repeat=3)
    bp, base = timed(naive_power, pilot, area)
    print(f"\n2. power simulation (negative binomial from {len(pilot):,} pilot units, 10 sample sizes x 1,000 replicates, -10 %, Welch)")
    print(f"   vectorised: {vp:8.3f} s   power at n = {N_GRID[0]}..{N_GRID[-1]}: "
          + " ".join(f"{r['power']:.2f}" for r in res["curve"]))
    print(f"   naive loop: {bp:8.3f} s   power: " + " ".join(f"{p:.2f}" for p in base)
          + f"   -> speed-up ~{bp / vp:,.0f}x")
    print(f"\nload average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
