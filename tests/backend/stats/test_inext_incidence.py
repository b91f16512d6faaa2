"""Incidence-based (sampling-unit-based) rarefaction/extrapolation against iNEXT's published output.

Published values: iNEXT 3.0 `iNEXT(ant, datatype = "incidence_freq")$AsyEst` (ant data of
Longino & Colwell 2011 as shipped in iNEXT), Observed and Estimator columns, six decimals.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from mpa_backend.stats import inext as I

from .refdata import ant

ANT_ASY = {  # (Observed, Estimator) for q = 0, 1, 2
    "h50m": {0: (227.0, 279.108514), 1: (79.485435, 81.440350), 2: (50.747554, 51.096751)},
    "h500m": {0: (241.0, 314.810038), 1: (101.705574, 107.601543), 2: (64.382979, 65.536774)},
    "h1070m": {0: (122.0, 146.336667), 1: (59.446301, 62.043936), 2: (41.733832, 42.480379)},
    "h1500m": {0: (56.0, 77.019375), 1: (26.656913, 27.516175), 2: (18.770568, 18.981237)},
    "h2000m": {0: (14.0, 14.248750), 1: (7.903231, 8.103454), 2: (5.883281, 5.983769)},
}


@pytest.mark.parametrize("name", sorted(ANT_ASY))
def test_incidence_asymptotic_estimates_match_inext(name):
    units, y = ant(name)
    obs, asy = I.observed(y, units), I.asymptotic(y, units)
    for q, (o, e) in ANT_ASY[name].items():
        assert obs[q] == pytest.approx(o, abs=5e-7)
        # q = 2: iNEXT prints values that differ from the closed form U²(1-1/T)/ΣY(Y-1) by < 3e-7 relative
        assert asy[q] == pytest.approx(e, abs=5e-7) if q < 2 else asy[q] == pytest.approx(e, rel=3e-7)


def test_incidence_rarefaction_equals_its_definitions():
    """q = 0: sum_i 1 - C(T - Y_i, t)/C(T, t); q = 1: exp(-sum_k k/U_t ln(k/U_t) Q_k(t)), U_t = tU/T,
    Q_k(t) from scipy's hypergeometric pmf (Chao et al. 2014, incidence formulas)."""
    units, y = ant("h2000m")
    y = y[y > 0]
    u = y.sum()
    for t in (3, 20, 150):
        direct0 = sum(1 - special.comb(units - yi, t, exact=True) / special.comb(units, t, exact=True) for yi in y)
        assert I.hill_at_size(y, [t], 0, units)[0] == pytest.approx(float(direct0), rel=1e-10)
        k = np.arange(1, t + 1)
        qk = np.array([stats.hypergeom.pmf(kk, units, y, t).sum() for kk in k])
        ut = t * u / units
        assert I.hill_at_size(y, [t], 1, units)[0] == pytest.approx(np.exp(-np.sum(k / ut * np.log(k / ut) * qk)), rel=1e-9)
        assert I.hill_at_size(y, [t], 2, units)[0] == pytest.approx(1 / np.sum((k / ut) ** 2 * qk), rel=1e-9)


def test_incidence_curve_sizes_are_sampling_units_and_cis_bracket_estimates():
    units, y = ant("h1500m")
    res = I.inext(y, units=units, nboot=30, knots=20, seed=2)
    assert res.n == units
    sizes = sorted({r["m"] for r in res.size_based})
    assert sizes[0] == 1 and units in sizes and sizes[-1] == 2 * units
    for r in res.size_based:
        assert r["qD_lcl"] <= r["qD"] <= r["qD_ucl"]
    at_ref = [r for r in res.size_based if r["m"] == units]
    assert {r["order"]: r["qD"] for r in at_ref}[0] == 56
    for c in (0.6, 0.9, 0.99):
        size = I.size_at_coverage(y, [c], units)[0]
        assert I.coverage_at_size(y, [size], units)[0] == pytest.approx(c, abs=1e-6)
