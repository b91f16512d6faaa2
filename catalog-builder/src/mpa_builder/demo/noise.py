"""Seeded, stateless 2-D value noise: the roughness behind every synthetic field.

Lattice values come from hashing integer lattice coordinates with a key (drawn once from the
seeded numpy Generator), not from a stored array. So any window of any grid can be evaluated on
its own and gives exactly the same numbers as the whole grid would: this is what lets the large
benchmark rasters be written block by block in bounded memory. Values between lattice points are
cubic B-spline interpolated (C2-smooth, no visible lattice creases in a hillshade).
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0xBF58476D1CE4E5B9)
_M4 = np.uint64(0x94D049BB133111EB)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijective scramble of 64-bit integers."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * _M3
        h = h ^ (h >> np.uint64(27))
        h = h * _M4
        h = h ^ (h >> np.uint64(31))
    return h


def derive_key(key: int, *salt: int) -> int:
    """A new independent key from a parent key and small integers (octave, taxon, …)."""
    h = np.array([key], dtype=np.uint64)
    for s in salt:
        with np.errstate(over="ignore"):
            h = _mix(h ^ (np.uint64(s & 0xFFFFFFFFFFFFFFFF) * _M1))
    return int(h[0])


def lattice(ix: np.ndarray, iy: np.ndarray, key: int) -> np.ndarray:
    """Uniform values in [-1, 1) attached to integer lattice points (broadcasting ix, iy)."""
    ux = np.asarray(ix, dtype=np.int64).view(np.uint64)
    uy = np.asarray(iy, dtype=np.int64).view(np.uint64)
    with np.errstate(over="ignore"):
        h = _mix((ux * _M1) ^ (uy * _M2) ^ np.uint64(key))
    return (h >> np.uint64(11)).astype(np.float64) * (2.0 / 2**53) - 1.0


def _bspline_weights(t: np.ndarray) -> tuple[np.ndarray, ...]:
    t2 = t * t
    t3 = t2 * t
    return (
        (1 - t) ** 3 / 6.0,
        (3 * t3 - 6 * t2 + 4) / 6.0,
        (-3 * t3 + 3 * t2 + 3 * t + 1) / 6.0,
        t3 / 6.0,
    )


def noise_grid(xs: np.ndarray, ys: np.ndarray, spacing: float, key: int) -> np.ndarray:
    """Noise on the grid xs (columns) × ys (rows); shape (len(ys), len(xs)). Separable, so cheap."""
    u = np.asarray(xs, dtype=np.float64) / spacing
    v = np.asarray(ys, dtype=np.float64) / spacing
    iu = np.floor(u).astype(np.int64)
    iv = np.floor(v).astype(np.int64)
    lu = np.arange(iu.min() - 1, iu.max() + 3)
    lv = np.arange(iv.min() - 1, iv.max() + 3)
    values = lattice(lu[None, :], lv[:, None], key)  # (len(lv), len(lu))
    wu = _bspline_weights(u - iu)
    wv = _bspline_weights(v - iv)
    along_x = _interp(values.T, iu - lu[0] - 1, wu).T  # (len(lv), len(xs))
    return _interp(along_x, iv - lv[0] - 1, wv)


def _interp(values: np.ndarray, first: np.ndarray, w: tuple[np.ndarray, ...]) -> np.ndarray:
    """out[i, :] = sum_k w[k][i] * values[first[i] + k, :], always summed in the same order, so a
    window of a grid gets bit-identical values to the whole grid (no BLAS: its blocking and
    threads would make the rounding depend on the array sizes)."""
    return sum(values[first + k, :] * w[k][:, None] for k in range(4))


def noise_points(x: np.ndarray, y: np.ndarray, spacing: float, key: int) -> np.ndarray:
    """The same noise as noise_grid, at scattered points."""
    u = np.asarray(x, dtype=np.float64) / spacing
    v = np.asarray(y, dtype=np.float64) / spacing
    iu = np.floor(u).astype(np.int64)
    iv = np.floor(v).astype(np.int64)
    wu = _bspline_weights(u - iu)
    wv = _bspline_weights(v - iv)
    out = np.zeros(np.broadcast(u, v).shape)
    for a in range(4):
        for b in range(4):
            out += lattice(iu + a - 1, iv + b - 1, key) * wu[a] * wv[b]
    return out


# B-spline smoothing shrinks uniform lattice values; this rescales one octave to ~unit std.
_OCTAVE_STD = 0.28


def fbm(
    xs: np.ndarray,
    ys: np.ndarray,
    spacing: float,
    key: int,
    octaves: int = 6,
    gain: float = 0.5,
    lacunarity: float = 2.07,
    min_spacing: float = 0.0,
    ridged: bool = False,
    points: bool = False,
) -> np.ndarray:
    """Fractal sum of octaves, ~unit std. Octaves finer than `min_spacing` are dropped (they
    would alias on a coarse grid); normalisation uses all octaves so the amplitude of the
    remaining ones does not depend on the grid resolution. `ridged` folds each octave
    (1 - 2|n|) which gives sharp crests and gullies, the look of jointed granite."""
    total = sum(gain ** (2 * o) for o in range(octaves)) ** 0.5
    out = None
    for o in range(octaves):
        s = spacing / lacunarity**o
        if o > 0 and s < min_spacing:
            break
        k = derive_key(key, o)
        # offset each octave so lattice points of different octaves never line up
        off = (lattice(np.array(o), np.array(1), k) * 1e4, lattice(np.array(o), np.array(2), k) * 1e4)
        if points:
            n = noise_points(xs + off[0], ys + off[1], s, k) / _OCTAVE_STD
        else:
            n = noise_grid(xs + off[0], ys + off[1], s, k) / _OCTAVE_STD
        if ridged:
            n = 1.0 - 1.6 * np.abs(n)
        term = n * gain**o
        out = term if out is None else out + term
    return out / total
