"""Power by simulation from pilot sample units: resample or model, impose a change, test, repeat.

Two ways to generate a future survey of n units per group from the pilot units:
- "negbin" (counts: density, one taxon's density): unit counts are negative binomial with the
  pilot's mean count μ per unit and the moment estimate of its size k = μ² / (s² - μ) (Poisson
  when s² <= μ; Bliss & Fisher 1953); group b has mean μ(1 ± δ) and the same k. Density = count /
  mean pilot unit area.
- "bootstrap" (any metric, e.g. richness): units' values are resampled with replacement from
  the pilot; group b's values are multiplied by (1 ± δ).
Each replicate is tested with Welch's t (two-sided, or one-sided in the direction of the change);
power = share of replicates with p < alpha, reported with its Monte-Carlo SE sqrt(p(1-p)/R).
All replicates for one n are drawn as one (R, n) array.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["negbin_fit", "simulate_power", "welch_p"]


def negbin_fit(counts: np.ndarray) -> tuple[float, float | None]:
    """Moment estimates (mean, size k); k is None when the counts are not overdispersed (Poisson)."""
    c = np.asarray(counts, dtype=float)
    mu = float(c.mean())
    var = float(c.var(ddof=1)) if len(c) > 1 else 0.0
    return mu, (mu * mu / (var - mu) if var > mu > 0 else None)


def welch_p(a: np.ndarray, b: np.ndarray, tails: int, direction: int) -> np.ndarray:
    """Row-wise Welch t-test p-values for (R, n) arrays (equal to scipy.stats.ttest_ind(equal_var=False))."""
    na, nb = a.shape[1], b.shape[1]
    va, vb = a.var(axis=1, ddof=1) / na, b.var(axis=1, ddof=1) / nb
    se2 = va + vb
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (b.mean(axis=1) - a.mean(axis=1)) / np.sqrt(se2)
        df = se2**2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
        if tails == 2:
            p = 2 * stats.t.sf(np.abs(t), df)
        else:
            p = stats.t.sf(direction * t, df)
    return np.where(np.isfinite(p), p, 1.0)


def simulate_power(pilot: np.ndarray, *, n_per_group: list[int], delta_percent: float, alpha: float = 0.05,
                   tails: int = 2, direction: str = "decrease", model: str = "bootstrap", replicates: int = 1000,
                   seed: int = 0, pilot_area_m2: np.ndarray | None = None) -> dict:
    """Power curve against units per group. `pilot` holds per-unit values (bootstrap) or counts (negbin)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if tails not in (1, 2):
        raise ValueError(f"tails must be 1 or 2, got {tails}")
    if not delta_percent > 0:
        raise ValueError(f"delta_percent must be > 0, got {delta_percent}")
    if direction not in ("decrease", "increase"):
        raise ValueError(f"direction must be 'decrease' or 'increase', got {direction!r}")
    if direction == "decrease" and delta_percent >= 100:
        raise ValueError("a decrease must be below 100 %")
    if model not in ("bootstrap", "negbin"):
        raise ValueError(f"model must be 'bootstrap' or 'negbin', got {model!r}")
    if any(n < 2 for n in n_per_group):
        raise ValueError("n_per_group values must be at least 2")
    if replicates < 10:
        raise ValueError("replicates must be at least 10")
    pilot = np.asarray(pilot, dtype=float)
    pilot = pilot[np.isfinite(pilot)]
    if len(pilot) < 2:
        raise ValueError("the pilot selection needs at least 2 sample units")
    sign = -1 if direction == "decrease" else 1
    factor = 1 + sign * delta_percent / 100
    rng = np.random.default_rng(seed)
    info: dict = {"model": model, "pilot_units": len(pilot), "factor": factor}
    if model == "negbin":
        if np.any(pilot < 0) or np.any(pilot != np.round(pilot)):
            raise ValueError("the negbin model needs non-negative integer counts per unit")
        mean_area = float(np.mean(pilot_area_m2)) if pilot_area_m2 is not None else 1.0
        mu, k = negbin_fit(pilot)
        info.update(mean_count=mu, size_k=k, unit_area_m2=mean_area)
        if mu == 0:
            raise ValueError("the pilot units have no individuals of this kind: nothing to detect")
    rows = []
    for n in n_per_group:
        if model == "bootstrap":
            a = pilot[rng.integers(0, len(pilot), (replicates, n))]
            b = pilot[rng.integers(0, len(pilot), (replicates, n))] * factor
        else:
            if k is None:
                a = rng.poisson(mu, (replicates, n)).astype(float)
                b = rng.poisson(mu * factor, (replicates, n)).astype(float)
            else:
                a = rng.negative_binomial(k, k / (k + mu), (replicates, n)).astype(float)
                b = rng.negative_binomial(k, k / (k + mu * factor), (replicates, n)).astype(float)
            a /= mean_area
            b /= mean_area
        p = welch_p(a, b, tails, sign)
        power = float(np.mean(p < alpha))
        rows.append({"n_per_group": int(n), "power": power,
                     "mc_se": float(np.sqrt(power * (1 - power) / replicates)), "replicates": replicates})
    return {"curve": rows, **info}
