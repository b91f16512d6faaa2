"""Cumulative curves against seabed area: what a planner reads to choose how much to survey.

For each of `orderings` random orderings (seeded) of the sample units, counts are accumulated
unit by unit; at each of about `points` cumulative areas the pooled density (ind m-2) and pooled
Hill numbers q = 0, 1, 2 are computed. Reported: mean and SD (ddof = 1) across orderings — the
"species accumulation" (Gotelli & Colwell 2001) extended to density and Hill numbers.
"""

from __future__ import annotations

import numpy as np

from . import diversity

__all__ = ["cumulative_curves"]


def cumulative_curves(counts: np.ndarray, area_m2: np.ndarray, *, orderings: int = 50, points: int = 30,
                      seed: int = 0) -> list[dict]:
    counts = np.asarray(counts, dtype=float)
    area = np.asarray(area_m2, dtype=float)
    u = len(area)
    if u == 0:
        return []
    if orderings < 2:
        raise ValueError("orderings must be at least 2")
    knots = np.unique(np.round(np.geomspace(1, u, num=min(points, u))).astype(int))
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((orderings, u)), axis=1)
    # per ordering: sum of counts and area over each segment between consecutive knots, then cumsum
    seg_starts = np.concatenate([[0], knots[:-1]])
    pooled = np.empty((orderings, len(knots), counts.shape[1]))
    cum_area = np.empty((orderings, len(knots)))
    for o in range(orderings):
        c = counts[perms[o]]
        pooled[o] = np.cumsum(np.add.reduceat(c, seg_starts, axis=0), axis=0)
        cum_area[o] = np.cumsum(np.add.reduceat(area[perms[o]], seg_starts))
    flat = pooled.reshape(-1, counts.shape[1])
    n = flat.sum(axis=1).reshape(orderings, len(knots))
    hill = diversity.hill_numbers(flat)
    series = {
        "density_per_m2": (n / cum_area, "ind m-2"),
        "richness": (hill["q0"].reshape(orderings, -1), "taxa"),
        "hill_q1": (hill["q1"].reshape(orderings, -1), "effective taxa"),
        "hill_q2": (hill["q2"].reshape(orderings, -1), "effective taxa"),
    }
    rows = []
    mean_area = cum_area.mean(axis=0)
    for metric, (vals, unit) in series.items():
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(vals, axis=0)
            sd = np.nanstd(vals, axis=0, ddof=1)
        for k, units in enumerate(knots):
            rows.append({"metric": metric, "unit": unit, "units": int(units), "area_m2": float(mean_area[k]),
                         "mean": _f(mean[k]), "sd": _f(sd[k]), "orderings": orderings})
    return rows


def _f(v) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None
