"""Sidescan backscatter from the seabed model: what a towed sonar would have recorded.

Brightness follows the substratum (granite bright, gravel intermediate, sand dark), slopes facing
the towfish return more and slopes facing away fall into acoustic shadow, the signal fades with
range from each survey line and vanishes in the nadir gap under the fish, and everything is
multiplied by speckle that is strong on rough rock and weak on smooth sand (fewer "looks").
"""

from __future__ import annotations

import numpy as np

from .seabed import SWATH_WIDTH_M, Fields

NODATA = 0
#: Mean return per habitat code (see seabed.HABITATS) and the number of looks of its speckle.
_BASE = np.array([0, 190, 176, 112, 92, 54], dtype=np.float64)
_LOOKS = np.array([1, 1.6, 1.8, 3.0, 4.0, 9.0])


def backscatter(
    fields: Fields,
    slope_east: np.ndarray,
    across: np.ndarray,
    rng: np.random.Generator,
    cell: float,
) -> np.ndarray:
    """uint8 intensity, 0 outside the survey footprint.

    slope_east: d(elevation)/d(easting) per cell (dimensionless); across: signed distance of
    each column from its survey line (m), whose sign says which way the sonar was looking.
    """
    h = fields.habitat
    # rough granite scatters unevenly: its return follows the small-scale relief texture
    base = _BASE[h] * (1.0 + 0.3 * fields.rockness * fields.roughness)
    looking_east = np.sign(across)[None, :]
    # a slope rising away from the fish faces it: bright; the far side is in shadow
    facing = np.clip(1.0 + 6.0 * looking_east * slope_east, 0.05, 2.5)
    rel_range = np.abs(across)[None, :] / (SWATH_WIDTH_M / 2)
    # residual range fade after gain correction; the nadir gap only darkens the part of a cell it covers
    nadir = 0.6 * min(1.0, 30.0 / cell) * np.exp(-((across[None, :] / max(22.0, cell / 2)) ** 2))
    gain = (1.0 - 0.25 * rel_range**1.5) * (1.0 - nadir)
    # a mosaic cell averages many pings: more looks, less speckle, on coarse grids
    looks = _LOOKS[h] * float(np.clip(cell / 8.0, 1.0, 6.0))
    speckle = rng.gamma(looks, 1.0 / looks)
    value = base * facing * gain * speckle
    out = np.clip(np.rint(value), 1, 255).astype(np.uint8)
    out[~fields.footprint] = NODATA
    return out
