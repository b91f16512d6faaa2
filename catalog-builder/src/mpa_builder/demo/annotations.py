"""Wide annotation tables of the two synthetic AUV surveys (one row per image tile).

Counts are negative-binomial (gamma–Poisson): expected count = true density of the taxon on the
tile's substratum × tile area × a smooth spatial patchiness field (persistent between years, as
reef patches are), and the gamma mixing with the taxon's k makes counts clumped (variance > mean,
many zeros), like field data. The true 2012 → 2015 change is documented in `taxa`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from rasterio.windows import from_bounds

from . import site
from .noise import derive_key, fbm
from .taxa import TRUE_CHANGE_2012_2015, AbundanceModel, groups_2015, substratum_index
from .tracks import Track

PATCH_SPACING_M = 220.0
ID_COLUMNS = ["filename", "id_image", "datetime", "latitude", "longitude", "depth_m", "area_seabed_m2", "substratum", "habitat"]


def expected_counts(model: AbundanceModel, substratum: np.ndarray, area: np.ndarray, x: np.ndarray, y: np.ndarray, key: int) -> np.ndarray:
    """(n_images, n_taxa) expected counts under the 2012 model."""
    sidx = substratum_index(substratum)
    mean = model.density[:, sidx].T * area[:, None]
    for t in range(len(model.names)):
        z = fbm(x, y, PATCH_SPACING_M, derive_key(key, t), octaves=3, points=True)
        s = model.patchiness[t]
        mean[:, t] *= np.exp(s * z - s * s / 2)
    return mean


def nb_counts(mean: np.ndarray, k: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Gamma–Poisson draws: E = mean, Var = mean + mean²/k."""
    gamma = rng.gamma(k[None, :], 1.0 / k[None, :], size=mean.shape)
    return rng.poisson(mean * gamma).astype(np.int64)


def expected_2015(mean_2012: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Lump 2012 morphotypes into the 2015 groups and apply the true change."""
    groups = groups_2015()
    names = list(groups)
    mean = np.stack([mean_2012[:, idx].sum(axis=1) * TRUE_CHANGE_2012_2015.get(n, 1.0) for n, idx in groups.items()], axis=1)
    return names, mean


def k_2015(model: AbundanceModel) -> np.ndarray:
    """Aggregation of a lumped group: that of its most abundant member."""
    out = []
    for idx in groups_2015().values():
        main = max(idx, key=lambda i: model.density[i].sum())
        out.append(model.k[main])
    return np.array(out)


def sample_depth(bathy_path: Path, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear depth (positive metres below sea level) from the bathymetry GeoTIFF; reads only
    the window around the points."""
    with rasterio.open(bathy_path) as src:
        pad = 3 * src.res[0]
        win = from_bounds(x.min() - pad, y.min() - pad, x.max() + pad, y.max() + pad, src.transform).round_offsets().round_lengths()
        z = src.read(1, window=win).astype(np.float64)
        t = src.window_transform(win)
        nodata = src.nodata
    col = (x - t.c) / t.a - 0.5
    row = (y - t.f) / t.e - 0.5
    c0 = np.floor(col).astype(int)
    r0 = np.floor(row).astype(int)
    fc, fr = col - c0, row - r0
    q = [z[r0 + dr, c0 + dc] for dr in (0, 1) for dc in (0, 1)]
    if any(np.any(v == nodata) for v in q):
        raise ValueError(f"{bathy_path}: AUV image positions fall on bathymetry nodata")
    v = q[0] * (1 - fr) * (1 - fc) + q[1] * (1 - fr) * fc + q[2] * fr * (1 - fc) + q[3] * fr * fc
    return -v


def table(prefix: str, track: Track, depth_m: np.ndarray, habitat: pd.DataFrame, names: list[str], counts: np.ndarray) -> pd.DataFrame:
    lon, lat = site.to_geo().transform(track.x, track.y)
    n = len(track.x)
    ids = np.arange(1, n + 1)
    df = pd.DataFrame(
        {
            "filename": [f"{prefix}_{i:05d}.tif" for i in ids],
            "id_image": ids,
            "datetime": [t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z" for t in track.time],
            "latitude": np.round(lat, 7),
            "longitude": np.round(lon, 7),
            "depth_m": np.round(depth_m, 2),
            "area_seabed_m2": np.round(track.area_m2, 3),
            "substratum": habitat["substratum"].to_numpy(),
            "habitat": habitat["eunis_code"].to_numpy(),
        }
    )
    return pd.concat([df, pd.DataFrame(counts, columns=names)], axis=1)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n")
