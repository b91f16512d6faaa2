"""Comparison of one metric between two sets of sample units (e.g. two surveys).

- difference of means (b - a) and percent change relative to a;
- percentile bootstrap CI of the difference (units resampled within each group, seeded);
- Welch's t-test (unequal variances; Welch 1947), via scipy.stats.ttest_ind(equal_var=False);
- two-sided permutation test of the difference in means (Monte Carlo, p = (1 + #|d*| >= |d|) / (1 + R),
  Phipson & Smyth 2010), seeded;
- Hedges' g: pooled-SD standardised difference with the small-sample correction
  J = 1 - 3 / (4 (n_a + n_b) - 9) (Hedges 1981; Hedges & Olkin 1985), and its approximate SE
  sqrt((n_a + n_b)/(n_a n_b) + g^2 / (2 (n_a + n_b))) for a normal 95 % CI.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["compare", "hedges_g", "permutation_p"]


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    na, nb = len(a), len(b)
    sp = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    j = 1 - 3 / (4 * (na + nb) - 9)
    return float(j * (b.mean() - a.mean()) / sp) if sp > 0 else float("nan")


def permutation_p(a: np.ndarray, b: np.ndarray, n_perm: int, rng: np.random.Generator) -> float:
    """Two-sided Monte Carlo permutation p-value for the difference in means (vectorised in chunks)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    pooled = np.concatenate([a, b])
    n, na = len(pooled), len(a)
    observed = abs(b.mean() - a.mean())
    total = pooled.sum()
    hits = 0
    step = max(1, 2_000_000 // max(n, 1))
    for start in range(0, n_perm, step):
        k = min(step, n_perm - start)
        keys = rng.random((k, n))
        first = np.argpartition(keys, na - 1, axis=1)[:, :na] if na < n else np.tile(np.arange(n), (k, 1))
        sum_a = pooled[first].sum(axis=1)
        diff = (total - sum_a) / (n - na) - sum_a / na
        hits += int(np.sum(np.abs(diff) >= observed - 1e-12 * max(1.0, observed)))
    return (1 + hits) / (1 + n_perm)


def compare(a, b, *, n_boot: int = 1000, n_perm: int = 1999, conf: float = 0.95, seed: int = 0) -> dict:
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    out: dict = {"n_a": len(a), "n_b": len(b), "mean_a": None, "mean_b": None, "sd_a": None, "sd_b": None,
                 "difference": None, "percent_change": None, "ci_low": None, "ci_high": None,
                 "welch_t": None, "welch_df": None, "welch_p": None, "permutation_p": None,
                 "hedges_g": None, "hedges_g_ci_low": None, "hedges_g_ci_high": None,
                 "n_boot": n_boot, "n_perm": n_perm, "conf": conf}
    if len(a) == 0 or len(b) == 0:
        return out
    ma, mb = a.mean(), b.mean()
    out.update(mean_a=float(ma), mean_b=float(mb), difference=float(mb - ma),
               percent_change=float(100 * (mb - ma) / ma) if ma != 0 else None)
    if len(a) < 2 or len(b) < 2:
        return out
    out.update(sd_a=float(a.std(ddof=1)), sd_b=float(b.std(ddof=1)))
    rng = np.random.default_rng(seed)
    if n_boot > 0:
        ia = rng.integers(0, len(a), (n_boot, len(a)))
        ib = rng.integers(0, len(b), (n_boot, len(b)))
        diffs = b[ib].mean(axis=1) - a[ia].mean(axis=1)
        lo, hi = np.quantile(diffs, [(1 - conf) / 2, 1 - (1 - conf) / 2])
        out.update(ci_low=float(lo), ci_high=float(hi))
    if a.std() > 0 or b.std() > 0:
        res = stats.ttest_ind(b, a, equal_var=False)
        out.update(welch_t=float(res.statistic), welch_df=float(res.df), welch_p=float(res.pvalue))
        g = hedges_g(a, b)
        n = len(a) + len(b)
        se = np.sqrt(n / (len(a) * len(b)) + g * g / (2 * n))
        z = stats.norm.ppf(1 - (1 - conf) / 2)
        out.update(hedges_g=g, hedges_g_ci_low=float(g - z * se), hedges_g_ci_high=float(g + z * se))
    if n_perm > 0:
        out["permutation_p"] = float(permutation_p(a, b, n_perm, rng))
    return out
