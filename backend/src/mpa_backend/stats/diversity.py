"""Alpha diversity of many samples at once (one row per sample unit, one column per taxon).

Every function takes an integer count matrix of shape (units, taxa) — or one abundance vector,
treated as one row — and returns one value per row, so a whole survey is one numpy expression
instead of a loop over units. Formulas and references: docs/statistics.md.

Conventions (the same as iNEXT, Hsieh, Ma & Chao 2016, and vegan::diversity):
- natural logarithms; 0·log 0 = 0;
- Hill numbers: N0 = richness, N1 = exp(Shannon entropy), N2 = inverse Simpson concentration
  (Hill 1973; Jost 2006), all from the observed relative abundances (plug-in estimates);
- a sample with no individuals has richness 0 and undefined (NaN) ratios.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "alpha_table",
    "as_matrix",
    "chao1",
    "chao1_bias_corrected",
    "coverage",
    "frequency_counts",
    "hill_numbers",
    "individuals",
    "pielou",
    "richness",
    "shannon",
]


def as_matrix(counts) -> np.ndarray:
    """A 2-D float view of counts; a 1-D abundance vector becomes a single row."""
    x = np.asarray(counts, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ValueError(f"counts must be a vector or a (units, taxa) matrix, got shape {x.shape}")
    if np.any(x < 0) or not np.all(np.isfinite(x)):
        raise ValueError("counts must be finite and non-negative")
    return x


def individuals(counts) -> np.ndarray:
    return as_matrix(counts).sum(axis=1)


def richness(counts) -> np.ndarray:
    """Observed number of taxa (Hill number of order 0)."""
    return (as_matrix(counts) > 0).sum(axis=1).astype(float)


def _proportions(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = x.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n[:, None]
    return p, n


def shannon(counts) -> np.ndarray:
    """Shannon entropy H = -sum p_i ln p_i (nats) of the observed proportions."""
    p, n = _proportions(as_matrix(counts))
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    h = terms.sum(axis=1)
    return np.where(n > 0, h, np.nan)


def hill_numbers(counts) -> dict[str, np.ndarray]:
    """Observed Hill numbers of order 0, 1 and 2 (richness, exp Shannon, inverse Simpson)."""
    x = as_matrix(counts)
    p, n = _proportions(x)
    h = shannon(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        simpson = np.where(n > 0, np.nansum(p * p, axis=1), np.nan)
        n2 = 1.0 / simpson
    return {"q0": richness(x), "q1": np.exp(h), "q2": n2}


def pielou(counts) -> np.ndarray:
    """Pielou's evenness J = H / ln S (Pielou 1966); undefined (NaN) when S < 2."""
    x = as_matrix(counts)
    s = richness(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s >= 2, shannon(x) / np.log(np.where(s >= 2, s, 2.0)), np.nan)


def frequency_counts(counts) -> tuple[np.ndarray, np.ndarray]:
    """Singletons f1 and doubletons f2 per row."""
    x = as_matrix(counts)
    return (x == 1).sum(axis=1).astype(float), (x == 2).sum(axis=1).astype(float)


def _f0_hat(n: np.ndarray, f1: np.ndarray, f2: np.ndarray) -> np.ndarray:
    """Estimated number of undetected taxa, as iNEXT's ChaoRichness (Chao 1987).

    f2 > 0: (n-1)/n · f1² / (2 f2)       (classic Chao1 with the (n-1)/n small-sample factor)
    f2 = 0: (n-1)/n · f1 (f1 - 1) / 2    (bias-corrected form, Chao 2005, used when f2 = 0)
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n > 0, (n - 1) / np.where(n > 0, n, 1.0), 0.0)
        return np.where(f2 > 0, factor * f1 * f1 / (2 * np.where(f2 > 0, f2, 1.0)), factor * f1 * (f1 - 1) / 2)


def chao1(counts) -> np.ndarray:
    """Chao1 richness exactly as iNEXT computes it (ChaoRichness / AsyEst 'Species richness')."""
    x = as_matrix(counts)
    n = x.sum(axis=1)
    f1, f2 = frequency_counts(x)
    return richness(x) + _f0_hat(n, f1, f2)


def chao1_bias_corrected(counts) -> np.ndarray:
    """Bias-corrected Chao1 as vegan::estimateR reports 'S.chao1': S + f1 (f1 - 1) / (2 (f2 + 1)).

    (Chao 1987 / Chao 2005 bias-corrected form; vegan omits iNEXT's (n-1)/n factor.)
    """
    x = as_matrix(counts)
    f1, f2 = frequency_counts(x)
    return richness(x) + f1 * (f1 - 1) / (2 * (f2 + 1))


def coverage(counts) -> np.ndarray:
    """Sample coverage estimate of Chao & Jost (2012), eq. 4a, as iNEXT's DataInfo 'SC'.

    C = 1 - f1/n · [(n-1) f1 / ((n-1) f1 + 2 f2)]; with f2 = 0 the doubleton term uses f1 - 1 as in
    iNEXT: C = 1 - f1/n · [(n-1)(f1-1) / ((n-1)(f1-1) + 2)]. NaN for an empty sample.
    """
    x = as_matrix(counts)
    n = x.sum(axis=1)
    f1, f2 = frequency_counts(x)
    f0 = _f0_hat(n, f1, f2)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(f1 > 0, n * f0 / (n * f0 + f1), 1.0)
        c = 1 - f1 / n * a
    return np.where(n > 0, c, np.nan)


def alpha_table(counts, area_m2) -> dict[str, np.ndarray]:
    """All per-unit statistics the API reports, as columns (one value per unit), with units in names.

    Computes the shared pieces (n, S, proportions, f1, f2) once; the results equal the single
    functions above (tests check this).
    """
    x = as_matrix(counts)
    area = np.asarray(area_m2, dtype=float).reshape(-1)
    if area.shape[0] != x.shape[0]:
        raise ValueError("one seabed area per unit is needed")
    n = x.sum(axis=1)
    s = (x > 0).sum(axis=1).astype(float)
    f1 = (x == 1).sum(axis=1).astype(float)
    f2 = (x == 2).sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n[:, None]
        plogp = np.where(x > 0, p * np.log(np.where(x > 0, p, 1.0)), 0.0)
        h = np.where(n > 0, -plogp.sum(axis=1), np.nan)
        simpson = np.where(n > 0, np.where(x > 0, p * p, 0.0).sum(axis=1), np.nan)
        density = n / area
        f0 = _f0_hat(n, f1, f2)
        a = np.where(f1 > 0, n * f0 / (n * f0 + f1), 1.0)
        cov = np.where(n > 0, 1 - f1 / n * a, np.nan)
        even = np.where(s >= 2, h / np.log(np.where(s >= 2, s, 2.0)), np.nan)
    return {
        "individuals": n,
        "density_per_m2": density,
        "density_per_ha": density * 1e4,
        "richness": s,
        "hill_q1": np.exp(h),
        "hill_q2": 1.0 / simpson,
        "pielou_evenness": even,
        "chao1": s + f0,
        "coverage": cov,
    }
