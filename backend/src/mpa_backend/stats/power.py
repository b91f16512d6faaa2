"""How many sample units are needed: analytic (t-based) and simulated power for two-group comparisons.

Analytic sample size, two independent groups of equal size n, difference delta, SD sigma:
- iterated t (Sokal & Rohlf, Biometry, 3rd ed. 1995, "sample size needed for a test of the
  difference between two means"): n = 2 (sigma/delta)^2 (t_alpha[nu] + t_2(1-P)[nu])^2 with
  nu = 2(n - 1), starting from nu = infinity and iterating until n settles. Sokal & Rohlf's t
  tables are two-tailed, so t_alpha[nu] is the upper alpha/2 point for a two-tailed test (the upper
  alpha point one-tailed) and t_2(1-P)[nu] the upper (1-P) point;
- exact: the n at which the noncentral-t power equals P (what R's power.t.test and statsmodels'
  TTestIndPower solve), with ncp = delta/sigma · sqrt(n/2) and nu = 2(n - 1).
With a relative change delta% and a coefficient of variation CV, sigma/delta = CV / (delta%/100).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, stats

__all__ = [
    "SampleSize",
    "effect_size_from_cv",
    "n_exact",
    "n_iterated",
    "power_exact",
    "sample_size",
    "validate",
]

Tails = Literal[1, 2]


def validate(alpha: float, power: float | None = None, tails: int = 2) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if power is not None and not 0 < power < 1:
        raise ValueError(f"power must be in (0, 1), got {power}")
    if tails not in (1, 2):
        raise ValueError(f"tails must be 1 or 2, got {tails}")


def effect_size_from_cv(delta_percent: float, cv: float) -> float:
    """Standardised effect d = delta/sigma for a delta% change of a mean whose CV is cv (a fraction)."""
    if not delta_percent > 0:
        raise ValueError(f"delta_percent must be > 0, got {delta_percent}")
    if not cv > 0:
        raise ValueError(f"cv must be > 0, got {cv}")
    return (delta_percent / 100.0) / cv


def power_exact(n, d: float, alpha: float = 0.05, tails: int = 2, strict: bool = False) -> np.ndarray:
    """Power of the two-sample t-test with n per group (noncentral t; R power.t.test's formula).

    strict=False counts only rejections in the direction of the effect (R's default);
    strict=True adds the (tiny) probability of rejecting in the wrong tail too.
    """
    validate(alpha, None, tails)
    n = np.asarray(n, dtype=float)
    nu = 2 * (n - 1)
    ncp = d * np.sqrt(n / 2)
    tcrit = stats.t.ppf(1 - alpha / tails, nu)
    p = stats.nct.sf(tcrit, nu, ncp)
    if strict and tails == 2:
        p = p + stats.nct.cdf(-tcrit, nu, ncp)
    return p


def n_exact(d: float, alpha: float = 0.05, power: float = 0.8, tails: int = 2, strict: bool = False) -> float:
    """Units per group (not rounded) at which the exact power equals `power`."""
    validate(alpha, power, tails)
    if not d > 0:
        raise ValueError(f"effect size must be > 0, got {d}")
    def shortfall(n: float) -> float:
        return float(power_exact(n, d, alpha, tails, strict)) - power

    hi = 4.0
    while shortfall(hi) < 0:
        hi *= 2
        if hi > 1e9:
            raise ValueError("effect too small: more than 1e9 units per group")
    return float(optimize.brentq(shortfall, 2.0 + 1e-9, hi, xtol=1e-10))


def n_iterated(d: float, alpha: float = 0.05, power: float = 0.8, tails: int = 2,
               max_iter: int = 100) -> tuple[float, list[float]]:
    """Sokal & Rohlf's iterated formula; returns the final n (not rounded) and the iteration history."""
    validate(alpha, power, tails)
    if not d > 0:
        raise ValueError(f"effect size must be > 0, got {d}")
    def ta(nu: float) -> float:
        return stats.t.isf(alpha / tails, nu)

    def tb(nu: float) -> float:
        return stats.t.isf(1 - power, nu)

    n = 2 / d**2 * (stats.norm.isf(alpha / tails) + stats.norm.isf(1 - power)) ** 2
    history = [n]
    for _ in range(max_iter):
        nu = max(2 * (np.ceil(n) - 1), 1.0)
        new = 2 / d**2 * (ta(nu) + tb(nu)) ** 2
        history.append(float(new))
        if np.ceil(new) == np.ceil(n):
            n = new
            break
        n = new
    return float(n), history


@dataclass
class SampleSize:
    effect_size: float
    n_iterated: float
    n_iterated_ceil: int
    n_exact: float
    n_exact_ceil: int
    power_at_n_exact_ceil: float
    iterations: list[float]


def sample_size(delta_percent: float, cv: float, alpha: float = 0.05, power: float = 0.8,
                tails: int = 2) -> SampleSize:
    d = effect_size_from_cv(delta_percent, cv)
    it, hist = n_iterated(d, alpha, power, tails)
    ex = n_exact(d, alpha, power, tails)
    nc = int(np.ceil(ex - 1e-9))
    return SampleSize(d, it, int(np.ceil(it - 1e-9)), ex, nc, float(power_exact(nc, d, alpha, tails)), hist)
