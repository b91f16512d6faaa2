"""Per-sample diversity statistics against published outputs of iNEXT and vegan.

Sources of the expected numbers (not produced by this code):
- iNEXT 3.0 `iNEXT(spider, q = 0, datatype = "abundance")` — $DataInfo (n, S.obs, SC, f1, f2) and
  $AsyEst (Observed / Estimator), spider data of Ellison et al. 2010 / Sackett et al. 2011 as shipped
  in iNEXT (Hsieh, Ma & Chao 2016; iNEXT User's Guide). Values as printed by iNEXT.
- vegan 2.6 `diversity(BCI)` (Shannon, nats), `diversity(BCI, "inv")`, `specnumber(BCI)` and
  `estimateR(BCI[1:5, ])` as printed in vegan's example transcripts (Oksanen et al., vegan).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mpa_backend.stats import diversity as D

from .refdata import bci, spider

# iNEXT $DataInfo and $AsyEst "Observed" for the spider data
SPIDER_INFO = {
    "Girdled": {"n": 168, "S_obs": 26, "SC": 0.9289, "f1": 12, "f2": 4,
                "q0": 26.0, "q1": 12.059650, "q2": 7.840000, "chao1": 43.892857},
    "Logged": {"n": 252, "S_obs": 37, "SC": 0.9446, "f1": 14, "f2": 4,
               "q0": 37.0, "q1": 14.421002, "q2": 6.761499, "chao1": 61.402778},
}


@pytest.mark.parametrize("name", sorted(SPIDER_INFO))
def test_spider_observed_statistics_match_inext(name):
    ref = SPIDER_INFO[name]
    x = spider(name)
    assert D.individuals(x)[0] == ref["n"]
    assert D.richness(x)[0] == ref["S_obs"]
    f1, f2 = D.frequency_counts(x)
    assert (f1[0], f2[0]) == (ref["f1"], ref["f2"])
    assert round(float(D.coverage(x)[0]), 4) == ref["SC"]
    hill = D.hill_numbers(x)
    assert hill["q0"][0] == ref["q0"]
    assert hill["q1"][0] == pytest.approx(ref["q1"], abs=5e-7)
    assert hill["q2"][0] == pytest.approx(ref["q2"], abs=5e-7)
    assert D.chao1(x)[0] == pytest.approx(ref["chao1"], abs=5e-7)


def test_rows_are_independent_samples():
    """Stacking the two assemblages as rows gives the same numbers as one at a time (vectorisation)."""
    girdled, logged = spider("Girdled"), spider("Logged")
    width = max(len(girdled), len(logged))
    m = np.zeros((2, width))
    m[0, : len(girdled)] = girdled
    m[1, : len(logged)] = logged
    np.testing.assert_allclose(D.chao1(m), [D.chao1(girdled)[0], D.chao1(logged)[0]])
    np.testing.assert_allclose(D.coverage(m), [D.coverage(girdled)[0], D.coverage(logged)[0]])
    np.testing.assert_allclose(D.hill_numbers(m)["q1"], [D.hill_numbers(girdled)["q1"][0], D.hill_numbers(logged)["q1"][0]])


# vegan: diversity(BCI)[1:12]
BCI_SHANNON = [4.018412, 3.848471, 3.814060, 3.976563, 3.969940, 3.776575, 3.836811, 3.908381,
               3.761331, 3.889803, 3.859814, 3.698414]
# exp(diversity(BCI)) and diversity(BCI, "inv") for plots 1-5, and specnumber(BCI)[1:5]
BCI_HILL1 = [55.61270, 46.92127, 45.33410, 53.33341, 52.98137]
BCI_HILL2 = [39.41555, 31.58488, 28.25478, 35.22577, 31.08166]
BCI_RICHNESS = [93, 84, 90, 94, 101]
# estimateR(BCI[1:5, ])["S.chao1", ] (bias-corrected form)
BCI_CHAO1_VEGAN = [117.473684, 117.214286, 141.230769, 111.550000, 136.000000]


def test_bci_shannon_and_hill_numbers_match_vegan():
    m = bci()
    np.testing.assert_allclose(D.shannon(m)[:12], BCI_SHANNON, atol=5e-7)
    hill = D.hill_numbers(m)
    np.testing.assert_allclose(hill["q1"][:5], BCI_HILL1, atol=5e-6)
    np.testing.assert_allclose(hill["q2"][:5], BCI_HILL2, atol=5e-6)
    np.testing.assert_array_equal(D.richness(m)[:5], BCI_RICHNESS)


def test_bci_bias_corrected_chao1_matches_vegan_estimateR():
    np.testing.assert_allclose(D.chao1_bias_corrected(bci()[:5]), BCI_CHAO1_VEGAN, atol=5e-7)


def test_shannon_agrees_with_scipy_entropy():
    """scipy.stats.entropy is an independent implementation of -sum p ln p."""
    m = bci()
    np.testing.assert_allclose(D.shannon(m), stats.entropy(m, axis=1), rtol=1e-12)


def test_pielou_is_shannon_over_log_richness_and_undefined_below_two_taxa():
    m = bci()[:3]
    np.testing.assert_allclose(D.pielou(m), np.array(BCI_SHANNON[:3]) / np.log([93, 84, 90]), atol=1e-6)
    assert np.isnan(D.pielou([[5, 0, 0]])[0])
    assert D.pielou([[3, 3, 3, 3]])[0] == pytest.approx(1.0)


def test_empty_sample_has_zero_richness_and_undefined_ratios():
    out = D.alpha_table([[0, 0, 0], [1, 2, 0]], [10.0, 10.0])
    assert out["richness"][0] == 0 and out["individuals"][0] == 0
    assert np.isnan(out["hill_q1"][0]) and np.isnan(out["coverage"][0])
    assert out["density_per_m2"][1] == pytest.approx(0.3)
    assert out["density_per_ha"][1] == pytest.approx(3000.0)


def test_negative_counts_are_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        D.richness([[1, -1]])


def test_alpha_table_equals_the_single_functions():
    m = np.vstack([bci()[:10], np.zeros((1, 225)), np.eye(1, 225) * 3])
    area = np.linspace(10, 20, len(m))
    t = D.alpha_table(m, area)
    hill = D.hill_numbers(m)
    np.testing.assert_allclose(t["individuals"] / area, t["density_per_m2"])
    for key, ref in [("richness", D.richness(m)), ("hill_q1", hill["q1"]), ("hill_q2", hill["q2"]),
                     ("pielou_evenness", D.pielou(m)), ("chao1", D.chao1(m)), ("coverage", D.coverage(m))]:
        np.testing.assert_allclose(t[key], ref, equal_nan=True, err_msg=key)
