"""Colour maps: rio-tiler's registry plus the cmocean ocean maps (and their ``_r`` reverses).

Why cmocean: its maps are designed for oceanography (``deep`` for depth, ``haline`` for
salinity, ``thermal`` for temperature) and are perceptually uniform. They are registered under
their own names (``deep``, ``deep_r`` …); a name rio-tiler already has is left as it is.
"""

from __future__ import annotations

import cmocean
import numpy as np
from rio_tiler.colormap import cmap as default_cmap

CMOCEAN_NAMES = sorted(name for name in cmocean.cm.cmapnames)


def _lut(mpl_cmap) -> dict[int, tuple[int, int, int, int]]:
    rgba = np.round(mpl_cmap(np.linspace(0.0, 1.0, 256)) * 255).astype("uint8")
    return {i: tuple(int(c) for c in rgba[i]) for i in range(256)}


def _cmocean_maps() -> dict:
    maps = {}
    for name in CMOCEAN_NAMES:
        for suffix in ("", "_r"):
            full = name + suffix
            if full in default_cmap.list():
                continue
            maps[full] = _lut(cmocean.cm.cmap_d[full])
    return maps


cmap = default_cmap.register(_cmocean_maps())
