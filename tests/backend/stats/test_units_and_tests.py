"""Sample units, bootstrap summaries, comparisons, simulated power and curves (pure package).

Checks use independent routes: a row-by-row implementation of the documented unit rule, the
shared refdata toy table, scipy's t-tests and permutation test, and direct Monte Carlo with scipy.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mpa_backend.stats import compare as C
from mpa_backend.stats import curves, diversity, simulation, summary
from mpa_backend.stats.sample_units import build_sample_units

from .refdata import toy_units


def _naive_units(area, sub, row_id, target):
    """Row loop over the documented rule: bins of `target` m2 along each run, by image midpoint."""
    units, current, key = [], [], None
    run_start_cum, cum = 0.0, 0.0
    for i in range(len(area)):
        new_run = i == 0 or sub[i] != sub[i - 1] or row_id[i] != row_id[i - 1] + 1
        if new_run:
            run_start_cum = cum
        k = int((cum - run_start_cum + area[i] / 2) // target)
        if new_run or k != key:
            if current:
                units.append(current)
            current = []
        key = k
        current.append(i)
        cum += area[i]
    units.append(current)
    return units


def test_units_match_a_row_by_row_reference_with_gaps_and_substratum_changes():
    rng = np.random.default_rng(4)
    n = 700
    area = rng.uniform(5, 9, n)
    sub = np.repeat(rng.choice(["rock", "sand", "mixed"], 14), 50)
    row_id = np.arange(n) + np.cumsum(rng.random(n) < 0.01)  # a few images removed by a selection
    counts = rng.poisson(2, (n, 5))
    lon, lat = rng.uniform(-8.2, -8.0, n), rng.uniform(50.2, 50.4, n)
    su = build_sample_units(counts, area, sub, lon, lat, row_id=row_id, target_area_m2=60, partial="keep")
    ref = _naive_units(area, sub, row_id, 60)
    assert len(su) == len(ref)
    for u, rows in enumerate(ref):
        assert (su.first_row[u], su.last_row[u]) == (rows[0], rows[-1])
        assert su.area_m2[u] == pytest.approx(area[rows].sum())
        np.testing.assert_array_equal(su.counts[u], counts[rows].sum(axis=0))
        assert su.longitude[u] == pytest.approx(np.average(lon[rows], weights=area[rows]))
    dropped = build_sample_units(counts, area, sub, lon, lat, row_id=row_id, target_area_m2=60, partial="drop")
    assert dropped.dropped_units == len(su) - len(dropped) > 0
    assert dropped.dropped_images + dropped.images.sum() == n
    # every kept unit is within one image area of the target (half an image at each end)
    assert np.all(np.abs(dropped.area_m2 - 60) <= area.max())
    assert np.all(su.area_m2[~np.isin(su.first_row, dropped.first_row)] < 60 - np.median(area))


def test_toy_sample_unit_table_statistics():
    """shared/refdata toy_sample_units_constructed.csv: hand-made units; densities by hand arithmetic."""
    toy = toy_units()
    counts = toy.drop(columns=["SU", "substratum", "Area_m2"]).to_numpy()
    table = diversity.alpha_table(counts, toy["Area_m2"].to_numpy())
    # SU1: 3 + 2 + 10 = 15 individuals on 50 m2 -> 0.3 ind m-2, 3000 ind ha-1, 3 taxa
    assert table["density_per_m2"][0] == pytest.approx(15 / 50)
    assert table["density_per_ha"][0] == pytest.approx(3000)
    assert table["richness"].tolist() == [3, 3, 3, 4, 5, 5]
    # SU4: 12, 2, 20, 5 -> Shannon by hand
    p = np.array([12, 2, 20, 5]) / 39
    assert table["hill_q1"][3] == pytest.approx(np.exp(-(p * np.log(p)).sum()))
    rows = summary.summarise(table["density_per_m2"][toy.substratum == "sand"][:, None], ["d"], n_boot=0)
    sand = counts[:3].sum(axis=1) / toy["Area_m2"].to_numpy()[:3]
    assert rows[0]["mean"] == pytest.approx(sand.mean()) and rows[0]["sd"] == pytest.approx(sand.std(ddof=1))


def test_bootstrap_ci_of_a_mean_covers_at_the_nominal_rate():
    """Over 300 normal samples of n = 40, the 95 % percentile CI covers the true mean ~95 % of the time."""
    rng = np.random.default_rng(11)
    data = rng.normal(5.0, 2.0, (300, 40))
    covered = 0
    for row in data:
        rec = summary.summarise(row[:, None], ["x"], n_boot=400, rng=rng)[0]
        covered += rec["ci_low"] <= 5.0 <= rec["ci_high"]
    assert 0.89 <= covered / 300 <= 0.99


def test_bootstrap_matches_scipy_bootstrap_interval():
    rng = np.random.default_rng(2)
    x = rng.gamma(2.0, 3.0, 80)
    ours = summary.summarise(x[:, None], ["x"], n_boot=4000, rng=np.random.default_rng(1))[0]
    ref = stats.bootstrap((x,), np.mean, n_resamples=4000, method="percentile", random_state=3).confidence_interval
    assert ours["ci_low"] == pytest.approx(ref.low, abs=0.12)
    assert ours["ci_high"] == pytest.approx(ref.high, abs=0.12)


def test_hedges_g_welch_and_permutation_against_scipy():
    rng = np.random.default_rng(5)
    a, b = rng.normal(10, 3, 25), rng.normal(12, 4, 31)
    res = C.compare(a, b, n_boot=2000, n_perm=5000, seed=2)
    # Hedges g = J * t_pooled * sqrt(1/na + 1/nb), t_pooled from scipy's Student t-test
    t = stats.ttest_ind(b, a, equal_var=True).statistic
    j = 1 - 3 / (4 * (25 + 31) - 9)
    assert res["hedges_g"] == pytest.approx(j * t * np.sqrt(1 / 25 + 1 / 31))
    w = stats.ttest_ind(b, a, equal_var=False)
    assert res["welch_t"] == pytest.approx(w.statistic) and res["welch_df"] == pytest.approx(w.df)
    perm = stats.permutation_test((b, a), lambda x, y: np.mean(x) - np.mean(y), n_resamples=5000,
                                  alternative="two-sided", random_state=9).pvalue
    assert res["permutation_p"] == pytest.approx(perm, abs=4 * np.sqrt(perm * (1 - perm) / 5000) + 2e-3)
    assert res["ci_low"] < b.mean() - a.mean() < res["ci_high"]


def test_vectorised_welch_p_equals_scipy_row_by_row():
    rng = np.random.default_rng(8)
    a, b = rng.normal(0, 1, (50, 12)), rng.normal(0.5, 2, (50, 15))
    ours = simulation.welch_p(a, b, tails=2, direction=1)
    ref = [stats.ttest_ind(b[i], a[i], equal_var=False).pvalue for i in range(50)]
    np.testing.assert_allclose(ours, ref, rtol=1e-10)
    one = simulation.welch_p(a, b, tails=1, direction=1)
    ref1 = [stats.ttest_ind(b[i], a[i], equal_var=False, alternative="greater").pvalue for i in range(50)]
    np.testing.assert_allclose(one, ref1, rtol=1e-10)


def test_bootstrap_power_agrees_with_direct_monte_carlo():
    """A huge normal pilot resampled ≈ sampling the normal itself; compare with an independent
    scipy-based Monte Carlo of the same design (group b = 0.75 × a), within 4 Monte-Carlo SEs."""
    rng = np.random.default_rng(21)
    pilot = rng.normal(10, 4, 200_000)
    sim = simulation.simulate_power(pilot, n_per_group=[15, 40], delta_percent=25, replicates=3000, seed=4)
    for row in sim["curve"]:
        n = row["n_per_group"]
        hits = 0
        mc = np.random.default_rng(99 + n)
        for _ in range(1500):
            a, b = mc.normal(10, 4, n), 0.75 * mc.normal(10, 4, n)
            hits += stats.ttest_ind(b, a, equal_var=False).pvalue < 0.05
        p = hits / 1500
        se = np.sqrt(p * (1 - p) / 1500 + row["power"] * (1 - row["power"]) / 3000)
        assert abs(row["power"] - p) < 4 * se + 1e-3


def test_negbin_fit_recovers_mean_and_size_and_null_power_is_alpha():
    rng = np.random.default_rng(6)
    k, mu = 1.5, 6.0
    counts = rng.negative_binomial(k, k / (k + mu), 50_000)
    m, kk = simulation.negbin_fit(counts)
    assert m == pytest.approx(mu, rel=0.02) and kk == pytest.approx(k, rel=0.05)
    # a tiny change: power ≈ alpha (type I error of Welch on NB counts, n = 30)
    sim = simulation.simulate_power(counts, n_per_group=[30], delta_percent=1e-9, model="negbin", replicates=4000,
                                    seed=1, pilot_area_m2=np.full(len(counts), 150.0))
    assert abs(sim["curve"][0]["power"] - 0.05) < 0.02


def test_cumulative_curves_end_at_the_pooled_values_with_zero_spread():
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.5, (40, 15))
    area = rng.uniform(140, 160, 40)
    rows = curves.cumulative_curves(counts, area, orderings=30, points=12, seed=1)
    final = {r["metric"]: r for r in rows if r["units"] == 40}
    pooled = counts.sum(axis=0)
    assert final["richness"]["mean"] == (pooled > 0).sum() and final["richness"]["sd"] == pytest.approx(0)
    assert final["density_per_m2"]["mean"] == pytest.approx(pooled.sum() / area.sum())
    assert final["richness"]["area_m2"] == pytest.approx(area.sum())
    first = next(r for r in rows if r["metric"] == "richness")
    assert first["units"] == 1
    # single-unit richness averaged over random orderings ≈ mean richness of units
    assert first["mean"] == pytest.approx(diversity.richness(counts).mean(), abs=3 * diversity.richness(counts).std() / np.sqrt(30) + 0.2)


def test_invalid_simulation_inputs():
    with pytest.raises(ValueError, match="alpha"):
        simulation.simulate_power(np.ones(5), n_per_group=[5], delta_percent=10, alpha=0)
    with pytest.raises(ValueError, match="below 100"):
        simulation.simulate_power(np.ones(5), n_per_group=[5], delta_percent=100)
    with pytest.raises(ValueError, match="at least 2"):
        simulation.simulate_power(np.ones(5), n_per_group=[1], delta_percent=10)
