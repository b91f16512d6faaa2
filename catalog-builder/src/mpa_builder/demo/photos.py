"""Synthetic seabed photo tiles: small georeferenced RGB GeoTIFFs plus JPEG thumbnails.

Each photo is painted for one row of an annotation table, so it agrees with that row: the
background texture follows the substratum (rippled sand, gravel, muddy mixed sediment, jointed
granite) and the coloured blobs are the animals counted in the row (up to a cap), coloured by
taxonomic group. Lighting falls off towards the corners like an AUV strobe, with the blue-green
cast of water. The footprint is the tile's seabed area centred on its position, north-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from affine import Affine
from PIL import Image

from . import site
from .noise import derive_key, fbm
from .seabed import smoothstep

WIDTH, HEIGHT = 512, 384
THUMB = (160, 120)
MAX_BLOBS = 40

_BACKGROUND = {
    "sand": (168, 156, 122),
    "coarse": (150, 140, 118),
    "mixed": (128, 120, 98),
    "rock": (142, 132, 128),
}
# (keyword in taxon name, colour, radius px, elongation)
_LOOKS: list[tuple[str, tuple[int, int, int], float, float]] = [
    ("porifera_encrusting_orange", (235, 120, 40), 14, 1.6),
    ("porifera_encrusting_yellow", (235, 205, 60), 13, 1.5),
    ("porifera", (225, 190, 120), 12, 1.4),
    ("axinella", (240, 170, 50), 11, 2.5),
    ("stelligera", (230, 160, 90), 7, 3.0),
    ("phakellia", (225, 180, 110), 12, 2.0),
    ("polymastia", (240, 220, 170), 9, 1.0),
    ("cliona", (245, 215, 40), 12, 1.3),
    ("alcyonium", (245, 240, 225), 12, 1.8),
    ("eunicella", (245, 130, 150), 16, 3.5),
    ("caryophyllia", (250, 190, 200), 4, 1.0),
    ("corynactis", (120, 220, 120), 5, 1.0),
    ("hydrozoa", (210, 200, 160), 8, 2.5),
    ("nemertesia", (200, 190, 150), 8, 3.0),
    ("pentapora", (220, 140, 80), 13, 1.3),
    ("bryozoa", (200, 150, 110), 8, 1.6),
    ("serpul", (250, 250, 245), 3, 1.0),
    ("aster", (220, 70, 40), 11, 1.0),
    ("henricia", (230, 60, 40), 9, 1.0),
    ("ophi", (90, 70, 60), 9, 1.0),
    ("echinus", (190, 90, 130), 14, 1.0),
    ("munida", (200, 80, 60), 8, 1.8),
    ("cancer", (200, 110, 70), 16, 1.3),
    ("galeus", (120, 110, 105), 22, 5.0),
    ("scyliorhinus", (170, 150, 120), 20, 5.0),
]
_DEFAULT_LOOK = ((180, 160, 140), 8.0, 1.5)


def _look(name: str) -> tuple[tuple[int, int, int], float, float]:
    for key, colour, radius, elong in _LOOKS:
        if key in name:
            return colour, radius, elong
    return _DEFAULT_LOOK


def _paint(img: np.ndarray, cx: float, cy: float, rx: float, ry: float, angle: float, colour: np.ndarray) -> None:
    """Blend a soft-edged ellipse into img in place, touching only its bounding box."""
    r = max(rx, ry) * 1.25
    x0, x1 = max(0, int(cx - r)), min(img.shape[1], int(cx + r) + 2)
    y0, y1 = max(0, int(cy - r)), min(img.shape[0], int(cy + r) + 2)
    if x0 >= x1 or y0 >= y1:
        return
    dx = np.arange(x0, x1)[None, :] - cx
    dy = np.arange(y0, y1)[:, None] - cy
    ca, sa = np.cos(angle), np.sin(angle)
    u = (dx * ca + dy * sa) / rx
    v = (-dx * sa + dy * ca) / ry
    m = np.clip(1.5 - 1.5 * (u * u + v * v), 0.0, 1.0)[..., None]
    patch = img[y0:y1, x0:x1]
    img[y0:y1, x0:x1] = patch * (1 - m) + colour * m


def render(substratum: str, counts: dict[str, int], rng: np.random.Generator) -> np.ndarray:
    """(HEIGHT, WIDTH, 3) uint8 picture of one image tile."""
    key = int(rng.integers(0, 2**62))
    xs = np.arange(WIDTH, dtype=np.float64)
    ys = np.arange(HEIGHT, dtype=np.float64)
    img = np.empty((HEIGHT, WIDTH, 3))
    img[:] = _BACKGROUND[substratum]
    grain = fbm(xs, ys, 60.0, key, octaves=3) + 0.6 * rng.standard_normal((HEIGHT, WIDTH))
    img *= (1.0 + 0.05 * grain)[..., None]
    if substratum == "sand":
        warp = fbm(xs, ys, 150.0, derive_key(key, 1), octaves=2)
        ripples = np.sin(2 * np.pi * (xs[None, :] * 0.9 + ys[:, None] * 0.4) / 55.0 + 1.5 * warp)
        img *= (1.0 + 0.07 * ripples)[..., None]
    if substratum == "rock":
        relief = fbm(xs, ys, 160.0, derive_key(key, 2), octaves=4, ridged=True)
        img *= (0.85 + 0.18 * relief)[..., None]
        cracks = fbm(xs, ys, 260.0, derive_key(key, 3), octaves=3)
        img *= (1.0 - 0.45 * np.exp(-((cracks / 0.08) ** 2)))[..., None]
        # crystalline grain of the granite, and a faunal turf (hydroids, bryozoans) over part of it
        img *= (1.0 + 0.08 * rng.standard_normal((HEIGHT, WIDTH)))[..., None]
        turf = smoothstep(0.1, 0.7, fbm(xs, ys, 120.0, derive_key(key, 4), octaves=3))[..., None]
        img = img * (1 - 0.7 * turf) + np.array([196.0, 178.0, 140.0]) * (1.0 + 0.1 * grain[..., None]) * 0.7 * turf
    n_stones = {"sand": 25, "coarse": 220, "mixed": 70, "rock": 0}[substratum]
    for _ in range(n_stones):
        r = rng.uniform(2, 9) if substratum != "mixed" else rng.uniform(2, 22)
        shade = np.array(_BACKGROUND[substratum]) * rng.uniform(0.6, 1.35)
        _paint(img, rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT), r, r * rng.uniform(0.5, 1.0), rng.uniform(0, np.pi), shade)
    blobs = [name for name, c in counts.items() for _ in range(int(c))]
    if len(blobs) > MAX_BLOBS:
        blobs = list(rng.choice(blobs, MAX_BLOBS, replace=False))
    for name in blobs:
        colour, radius, elong = _look(name)
        r = radius * rng.uniform(0.7, 1.3)
        _paint(img, rng.uniform(10, WIDTH - 10), rng.uniform(10, HEIGHT - 10), r * np.sqrt(elong), r / np.sqrt(elong),
               rng.uniform(0, np.pi), np.array(colour) * rng.uniform(0.85, 1.1))
    # strobe fall-off and the water's colour cast
    rr = ((xs[None, :] - WIDTH / 2) / (WIDTH / 2)) ** 2 + ((ys[:, None] - HEIGHT / 2) / (HEIGHT / 2)) ** 2
    img *= (1.0 - 0.28 * rr)[..., None]
    img *= np.array([0.78, 0.97, 0.95])
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def write_photo(path: Path, rgb: np.ndarray, x: float, y: float, area_m2: float) -> None:
    """GeoTIFF in UTM 29N whose footprint is the tile's seabed area, centred on (x, y)."""
    width_m = np.sqrt(area_m2 * site.TILE_ASPECT)
    height_m = area_m2 / width_m
    transform = Affine(width_m / WIDTH, 0.0, x - width_m / 2, 0.0, -height_m / HEIGHT, y + height_m / 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(
        path, "w", driver="GTiff", width=WIDTH, height=HEIGHT, count=3, dtype="uint8", crs=site.CRS,
        transform=transform, photometric="RGB", compress="deflate", tiled=True, blockxsize=128, blockysize=128,
    ) as dst:
        dst.write(rgb.transpose(2, 0, 1))
        dst.update_tags(synthetic="true")


def write_thumbnail(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).resize(THUMB, Image.Resampling.LANCZOS).save(path, "JPEG", quality=82)


def pick_rows(df: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """About n rows spread evenly over the substrata present, in track order."""
    chosen = []
    groups = [g for _, g in df.groupby("substratum", sort=True)]
    per = -(-n // len(groups))
    for g in groups:
        chosen.extend(rng.choice(g.index.to_numpy(), min(per, len(g)), replace=False))
    if len(chosen) > n:
        chosen = list(rng.choice(chosen, n, replace=False))
    return df.loc[sorted(chosen)]


def write_photos(
    df: pd.DataFrame, x: np.ndarray, y: np.ndarray, taxa: list[str], folder: Path, n: int, rng: np.random.Generator,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Paint n rows of the table; returns their filenames."""
    rows = pick_rows(df, n, rng)
    for done, (idx, row) in enumerate(rows.iterrows(), start=1):
        rgb = render(row["substratum"], {t: int(row[t]) for t in taxa if row[t] > 0}, rng)
        write_photo(folder / "images" / row["filename"], rgb, float(x[idx]), float(y[idx]), float(row["area_seabed_m2"]))
        write_thumbnail(folder / "thumbnails" / (Path(row["filename"]).stem + ".jpg"), rgb)
        if progress:
            progress(done, len(rows))
    return list(rows["filename"])
