"""The fast iNEXT paths (flat hypergeometric windows, table-based Hurlbert sums, Newton coverage
inversion) equal straightforward reference computations: full-support sums with scipy's
hypergeometric pmf, per-size exact binomial ratios, and plain bisection on the coverage curve.
Behaviour only; speed is measured in bench/, not asserted here."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from mpa_backend.stats import inext as I


def _pooled(seed: int, taxa: int = 70, scale: float = 4.0) -> np.ndarray:
    """A skewed pooled sample (a few thousand individuals, singletons and doubletons present)."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.lognormal(scale, 1.6, taxa)).astype(int)
    x[:4] = [1, 1, 2, 1]
    return x[x > 0]


def _shannon_full_support(x: np.ndarray, m: int) -> float:
    n = int(x.sum())
    k = np.arange(1, int(x.max()) + 1)
    pmf = stats.hypergeom.pmf(k[None, :], n, x[:, None], m)
    return float(np.exp(-np.sum(pmf * (k / m) * np.log(k / m))))


@pytest.mark.parametrize("seed", [0, 1])
def test_rarefied_shannon_at_the_knots_equals_the_full_support_sum(seed):
    x = _pooled(seed, scale=3.5)
    n = int(x.sum())
    sizes = I.default_sizes(n)
    sizes = np.concatenate([sizes[sizes < n][::3], [n - 1]])
    fast = I.hill_at_size(x, sizes, 1)
    for m, value in zip(sizes, fast, strict=True):
        assert value == pytest.approx(_shannon_full_support(x, int(m)), rel=1e-9), m


def test_rarefied_shannon_of_incidence_data_equals_the_full_support_sum():
    """Incidence: Y_i ~ Hypergeometric(T, Y_i, t), shares on the scale U_t = tU/T."""
    y = np.array([1, 1, 2, 3, 5, 8, 9, 12, 15, 20, 4, 1, 2, 7])
    t_units = 24
    u = y.sum()
    for t in (1, 3, 10, 17, 23):
        k = np.arange(1, y.max() + 1)
        pmf = stats.hypergeom.pmf(k[None, :], t_units, y[:, None], t)
        scale = t * u / t_units
        exact = np.exp(-np.sum(pmf * (k / scale) * np.log(k / scale)))
        assert I.hill_at_size(y, [t], 1, units=t_units)[0] == pytest.approx(exact, rel=1e-10)


def test_rarefied_richness_for_many_sizes_equals_per_size_binomial_ratios():
    x = _pooled(2, taxa=90, scale=5.0)
    n = int(x.sum())
    sizes = np.unique(np.linspace(1, n - 1, 57).astype(int))
    fast = I.hill_at_size(x, sizes, 0)
    for m, value in zip(sizes, fast, strict=True):
        keep = x[(n - x) >= m]
        ratio = np.exp(special.gammaln(n - keep + 1) - special.gammaln(n - keep - m + 1)
                       - special.gammaln(n + 1) + special.gammaln(n - m + 1))
        assert value == pytest.approx(len(x) - ratio.sum(), rel=1e-10, abs=1e-10), m


def _bisect(x, goal: float) -> float:
    r = I.reference(x)
    lo, hi = 0.0, r.n - 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if I.coverage_at_size(r, mid)[0] < goal:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def test_size_at_coverage_equals_bisection_on_the_coverage_curve():
    x = _pooled(3)
    n = int(x.sum())
    top = float(I.coverage_at_size(x, n - 1)[0])
    bottom = float(I.coverage_at_size(x, 1.0)[0])  # below C(1) the size is clipped to 1
    goals = np.linspace(bottom + 1e-4, top - 1e-4, 15)
    fast = I.size_at_coverage(x, goals)
    for goal, m in zip(goals, fast, strict=True):
        assert float(I.coverage_at_size(x, m)[0]) == pytest.approx(goal, abs=1e-10)
        assert m == pytest.approx(_bisect(x, goal), rel=1e-8)


def test_coverage_of_a_knot_maps_back_to_that_knot():
    """Coverage-based rows use the coverages at the size knots: inverting them must return the knots."""
    x = _pooled(4)
    n = int(x.sum())
    knots = np.array([5.0, 40.0, n // 3, n // 2, n - 2], dtype=float)
    goals = I.coverage_at_size(x, knots)
    assert I.size_at_coverage(x, goals) == pytest.approx(knots, rel=1e-8)


def test_bootstrap_replicates_share_the_reference_size_and_cis_bracket_every_estimate():
    """The bootstrap recomputes every curve per replicate: with the fast paths, the CIs still bracket
    the estimates and the asymptotic SE is finite and positive."""
    x = _pooled(5)
    res = I.inext(x, nboot=25, seed=3)
    assert res.nboot == 25
    for row in res.size_based + res.coverage_based:
        assert row["qD_lcl"] <= row["qD"] <= row["qD_ucl"]
    for q in (0, 1, 2):
        lo, hi = res.asymptotic_ci[q]
        assert lo < res.asymptotic[q] < hi
