"""Analytic sample size for two-group t-tests against R's power.t.test and statsmodels.

Published values: R `power.t.test` (stats package, its help-page examples):
- power.t.test(n = 20, delta = 1)                        -> power = 0.8689528
- power.t.test(power = .90, delta = 1)                   -> n = 22.02110
- power.t.test(power = .90, delta = 1, alternative = "one.sided") -> n = 17.84713
- power.t.test(delta = 0.5, power = 0.8) (= statsmodels TTestIndPower d = 0.5) -> n = 63.77 per group
statsmodels.stats.power.TTestIndPower is used as an independent second implementation.
"""

from __future__ import annotations

import pytest
from statsmodels.stats.power import TTestIndPower

from mpa_backend.stats import power as P


def test_published_power_t_test_examples():
    assert P.power_exact(20, 1.0) == pytest.approx(0.8689528, abs=5e-7)
    assert P.n_exact(1.0, power=0.9) == pytest.approx(22.02110, abs=1e-4)
    assert P.n_exact(1.0, power=0.9, tails=1) == pytest.approx(17.84713, abs=1e-4)
    assert P.n_exact(0.5, alpha=0.05, power=0.8) == pytest.approx(63.77, abs=0.005)


@pytest.mark.parametrize("d,alpha,power,tails", [
    (0.5, 0.05, 0.8, 2), (0.2, 0.05, 0.9, 2), (1.2, 0.01, 0.8, 2), (0.8, 0.1, 0.95, 1), (0.35, 0.05, 0.5, 1),
])
def test_exact_n_agrees_with_statsmodels(d, alpha, power, tails):
    alt = "two-sided" if tails == 2 else "larger"
    expected = TTestIndPower().solve_power(effect_size=d, alpha=alpha, power=power, alternative=alt)
    # statsmodels adds the wrong-tail rejection probability in two-sided tests; R (strict=FALSE) does not
    ours = P.n_exact(d, alpha, power, tails, strict=(tails == 2))
    assert ours == pytest.approx(expected, rel=2e-4)


def test_iterated_formula_converges_close_to_the_exact_solution():
    """Sokal & Rohlf's iterated t formula is a large-sample approximation: within one unit of exact."""
    for d in (0.3, 0.5, 1.0):
        n_it, history = P.n_iterated(d)
        assert len(history) >= 2
        assert abs(n_it - P.n_exact(d)) < 1.0
    # the normal-theory start value underestimates; the iterations increase it
    _, hist = P.n_iterated(0.5)
    assert hist[0] < hist[-1]


def test_sample_size_from_cv_and_percent_change():
    """20 % change with CV 50 % is d = 0.4; the ceiling of n achieves the requested power."""
    res = P.sample_size(20, 0.5, alpha=0.05, power=0.8)
    assert res.effect_size == pytest.approx(0.4)
    assert res.n_exact == pytest.approx(TTestIndPower().solve_power(0.4, alpha=0.05, power=0.8), rel=1e-3)
    assert res.power_at_n_exact_ceil >= 0.8
    assert P.power_exact(res.n_exact_ceil - 1, 0.4) < 0.8


@pytest.mark.parametrize("kwargs,match", [
    ({"alpha": 0.0}, "alpha"), ({"alpha": 1.0}, "alpha"), ({"power": 1.2}, "power"), ({"tails": 3}, "tails"),
])
def test_invalid_inputs_are_rejected_with_the_field_named(kwargs, match):
    args = {"delta_percent": 20, "cv": 0.5, "alpha": 0.05, "power": 0.8, "tails": 2} | kwargs
    with pytest.raises(ValueError, match=match):
        P.sample_size(**args)
    with pytest.raises(ValueError, match="delta_percent"):
        P.sample_size(0, 0.5)
