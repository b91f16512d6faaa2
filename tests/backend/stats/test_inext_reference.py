"""Rarefaction / extrapolation (iNEXT) against iNEXT 3.0's published outputs and exact identities.

Published values: iNEXT 3.0 `iNEXT(spider, q = 0, datatype = "abundance")$AsyEst`, printed with
six decimals (Observed and Estimator columns) — Hsieh, Ma & Chao (2016) iNEXT User's Guide data.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from mpa_backend.stats import diversity as D
from mpa_backend.stats import inext as I

from .refdata import bird, spider

ASY_EST = {  # (Observed, Estimator) for q = 0, 1, 2
    "Girdled": {0: (26.000000, 43.892857), 1: (12.059650, 13.826253), 2: (7.840000, 8.174825)},
    "Logged": {0: (37.000000, 61.402778), 1: (14.421002, 16.337069), 2: (6.761499, 6.920350)},
}


@pytest.mark.parametrize("name", sorted(ASY_EST))
def test_asymptotic_estimates_match_inext_asyest(name):
    x = spider(name)
    obs, asy = I.observed(x), I.asymptotic(x)
    for q, (o, e) in ASY_EST[name].items():
        assert obs[q] == pytest.approx(o, abs=5e-7)
        assert asy[q] == pytest.approx(e, abs=5e-7)


def test_rarefied_richness_equals_hurlbert_expectation_by_direct_sum():
    """S(m) = sum_i 1 - C(n - X_i, m) / C(n, m) (Hurlbert 1971), evaluated with exact binomials."""
    x = spider("Girdled").astype(int)
    n = x.sum()
    for m in (1, 10, 50, 100, 167):
        direct = sum(1 - special.comb(n - xi, m, exact=True) / special.comb(n, m, exact=True) for xi in x)
        assert I.hill_at_size(x, [m], 0)[0] == pytest.approx(float(direct), rel=1e-10)
    assert I.hill_at_size(x, [1], 0)[0] == pytest.approx(1.0)


def test_rarefied_shannon_and_simpson_equal_their_hypergeometric_definitions():
    """q = 1: exp(-sum_k k/m ln(k/m) f_k(m)); q = 2: 1/sum_k (k/m)^2 f_k(m), f_k from scipy's hypergeom pmf."""
    x = bird("North.site")
    x = x[x > 0]
    n = int(x.sum())
    for m in (5, 40, 150):
        k = np.arange(1, m + 1)
        fk = np.array([stats.hypergeom.pmf(kk, n, x, m).sum() for kk in k])
        q1 = np.exp(-np.sum(k / m * np.log(k / m) * fk))
        q2 = 1 / np.sum((k / m) ** 2 * fk)
        assert I.hill_at_size(x, [m], 1)[0] == pytest.approx(q1, rel=1e-9)
        assert I.hill_at_size(x, [m], 2)[0] == pytest.approx(q2, rel=1e-9)


@pytest.mark.parametrize("name", ["Girdled", "Logged"])
def test_curve_is_seamless_at_the_reference_sample_and_tends_to_the_asymptote(name):
    x = spider(name)
    n = int(x.sum())
    obs, asy = I.observed(x), I.asymptotic(x)
    for q in (0, 1, 2):
        around = I.hill_at_size(x, [n - 1, n, n + 1], q)
        assert around[1] == pytest.approx(obs[q])
        assert around[0] <= around[1] <= around[2]
        far = I.hill_at_size(x, [1e6 * n], q)[0]
        assert far == pytest.approx(asy[q], rel=1e-3)


def test_richness_extrapolation_is_chao_et_al_2014_eq_9():
    """S(n + m*) = S_obs + f0 [1 - (1 - f1 / (n f0 + f1))^m*] (Chao et al. 2014, Ecol. Monogr., eq. 9)."""
    x = spider("Girdled")
    n, f1, f2, s = 168, 12, 4, 26
    f0 = (n - 1) / n * f1**2 / (2 * f2)
    for mstar in (1, 50, 168):
        expected = s + f0 * (1 - (1 - f1 / (n * f0 + f1)) ** mstar)
        assert I.hill_at_size(x, [n + mstar], 0)[0] == pytest.approx(expected, rel=1e-12)


def test_coverage_curve_matches_reference_and_inverts():
    x = spider("Girdled")
    n = 168
    assert I.coverage_at_size(x, [n])[0] == pytest.approx(D.coverage(x)[0])
    # rarefied coverage, Chao & Jost 2012 eq. 4a: 1 - sum X_i/n C(n - X_i, m) / C(n - 1, m)
    m = 60
    direct = 1 - sum(xi / n * special.comb(n - xi, m, exact=True) / special.comb(n - 1, m, exact=True) for xi in x)
    assert I.coverage_at_size(x, [m])[0] == pytest.approx(float(direct), rel=1e-10)
    for c in (0.5, 0.8, 0.9, 0.95, 0.97):
        size = I.size_at_coverage(x, [c])[0]
        assert I.coverage_at_size(x, [size])[0] == pytest.approx(c, abs=1e-6)


def test_bootstrap_assemblage_sums_to_one_and_adds_undetected_taxa():
    x = spider("Girdled")
    p = I.bootstrap_assemblage(x)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert len(p) == 26 + int(np.ceil(43.892857 - 26))
    assert np.all(p > 0)


def test_inext_curves_have_inext_default_knots_and_bootstrap_cis_that_cover_the_estimate():
    x = spider("Girdled")
    res = I.inext(x, nboot=60, seed=1)
    sizes = sorted({r["m"] for r in res.size_based})
    assert sizes[0] == 1 and 168 in sizes and sizes[-1] == 336
    assert len(sizes) == 40
    for r in res.size_based:
        assert r["qD_lcl"] <= r["qD"] <= r["qD_ucl"]
        assert r["method"] == ("rarefaction" if r["m"] < 168 else "observed" if r["m"] == 168 else "extrapolation")
    # the rarefied curve at m = 1 is 1 for every q and has (almost) no sampling variance
    first = [r for r in res.size_based if r["m"] == 1]
    assert all(r["qD"] == pytest.approx(1.0) for r in first)
    # coverage-based rows: the diversity at the reference coverage equals the observed value
    ref_cov = D.coverage(x)[0]
    at_ref = [r for r in res.coverage_based if abs(r["coverage"] - ref_cov) < 1e-12]
    assert len(at_ref) == 3
    assert all(r["qD"] == pytest.approx(I.observed(x)[r["order"]], rel=1e-9) for r in at_ref)


def test_bootstrap_se_of_asymptotic_richness_is_near_inext_s_e():
    """iNEXT's AsyEst s.e. for Girdled richness is 20.39 from 100 bootstrap draws; a 400-draw seeded
    bootstrap must land within the Monte-Carlo spread of such an SE (here ±35 %)."""
    x = spider("Girdled")
    res = I.inext(x, sizes=[168], nboot=400, seed=3)
    _, hi = res.asymptotic_ci[0]
    se = (hi - 43.892857) / stats.norm.ppf(0.975)
    assert 20.39 * 0.65 < se < 20.39 * 1.35


@pytest.mark.parametrize("z,n", [(0.9, 50), (0.999, 50), (0.5, 3), (0.99999, 2000), (0.2, 10_000)])
def test_entropy_tail_series_matches_brute_force(z, n):
    """(1-A)^(1-n) sum_{r>=n} (1-A)^r / r, by a long direct sum in log space (independent of both branches)."""
    r = np.arange(n, n + 3_000_000, dtype=float)
    brute = float(np.sum(np.exp((r - n + 1) * np.log(z)) / r))
    assert I._log_series_tail(z, n) == pytest.approx(brute, rel=1e-10)


def test_windowed_rarefaction_equals_the_full_support_sum():
    """A pooled sample of ~10,000 individuals: the windowed rarefied q = 1 value must equal the
    exact sum over the whole support (scipy's hypergeometric pmf) to 1e-9."""
    rng = np.random.default_rng(0)
    x = np.round(rng.lognormal(4, 1.5, 80)).astype(int)
    x[:5] = [1, 1, 2, 1, 3]
    x = x[x > 0]
    n = int(x.sum())
    m = n // 3
    value = I.hill_at_size(x, [m], 1)[0]
    k_max = int(x.max())
    k = np.arange(1, k_max + 1)
    pmf = stats.hypergeom.pmf(k[None, :], n, x[:, None], m)
    exact = np.exp(-np.sum(pmf * (k / m) * np.log(k / m)))
    assert value == pytest.approx(exact, rel=1e-9)


def test_logged_rarefied_to_girdled_coverage_is_92_90_percent_as_the_inext_guide_says():
    """iNEXT User's Guide (spider example): "The sample completeness of the reference samples for the
    Girdled and Logged sites are respectively 92.89% and 94.46% ... we can also rarefy the Logged data
    to the lower coverage value; here we can only rarefy to the closest value of 92.90% due to the
    constraint that the sample size must be an integer." """
    girdled, logged = spider("Girdled"), spider("Logged")
    target = D.coverage(girdled)[0]
    assert round(target, 4) == 0.9289 and round(D.coverage(logged)[0], 4) == 0.9446
    m = I.size_at_coverage(logged, [target])[0]
    sizes = [int(np.floor(m)), int(np.ceil(m))]
    covs = I.coverage_at_size(logged, sizes)
    closest = covs[np.argmin(np.abs(covs - target))]
    assert round(float(closest), 4) == 0.9290
