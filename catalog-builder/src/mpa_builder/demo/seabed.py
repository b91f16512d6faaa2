"""The synthetic Haig Fras seabed as continuous fields: one model every demo layer samples.

Bathymetry, sidescan, the habitat map and the substratum of every AUV image are all read from
this one model, so they agree with each other the way real layers of one site do: the granite
ridge is shallow in the bathymetry, bright and speckled in the sidescan, "rock" in the habitat
map and full of sessile fauna in the photo annotations.

All fields are functions of UTM position only (never of the grid they are sampled on), apart
from the finest roughness octaves, which are dropped where a coarse grid could not show them.
The habitat classification uses only octaves of 400 m and longer, so it is the same on every grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import box

from . import site
from .noise import derive_key, fbm, noise_grid

#: Habitat classes (raster codes 1..5): code -> (EUNIS 2007 code, EUNIS name, substratum).
HABITATS: dict[int, tuple[str, str, str]] = {
    1: ("A4.1", "Atlantic and Mediterranean high energy circalittoral rock", "rock"),
    2: ("A4.2", "Atlantic and Mediterranean moderate energy circalittoral rock", "rock"),
    3: ("A5.15", "Deep circalittoral coarse sediment", "coarse"),
    4: ("A5.45", "Deep circalittoral mixed sediments", "mixed"),
    5: ("A5.27", "Deep circalittoral sand", "sand"),
}
SUBSTRATA = ("rock", "coarse", "mixed", "sand")

CLASS_MIN_SPACING_M = 400.0  # finest octave the habitat classification sees, on any grid
SWATH_WIDTH_M = 620.0  # multibeam / sidescan line spacing of the synthetic base survey


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


@dataclass
class Fields:
    depth: np.ndarray  # m, negative down, float64
    habitat: np.ndarray  # uint8 codes of HABITATS
    rockness: np.ndarray  # 0..1, how much of the cell is outcrop
    footprint: np.ndarray  # bool, inside the surveyed area
    roughness: np.ndarray  # ridged small-scale texture of the rock surface, ~-1..1


class Seabed:
    """The seeded seabed model. Construct once per seed; sample with `fields(xs, ys, cell)`."""

    def __init__(self, rng: np.random.Generator):
        keys = rng.integers(0, 2**62, size=12)
        self.k_outline, self.k_lobes, self.k_crest, self.k_rough, self.k_sed, self.k_base = (int(k) for k in keys[:6])
        self.k_joint, self.k_waves, self.k_fine = (int(k) for k in keys[6:9])
        self.cx, self.cy = site.reef_centre_utm()
        az = np.deg2rad(site.REEF_AXIS_AZIMUTH_DEG)
        self.axis = (np.sin(az), np.cos(az))  # unit vector along the ridge (NE)
        self.bend = rng.uniform(-0.3, 0.3) * site.REEF_HALF_WIDTH_M
        # Satellite outcrops: the small granite knolls around the main ridge.
        n_sat = 5
        along = rng.uniform(-1.1, 1.1, n_sat) * site.REEF_HALF_LENGTH_M
        across = rng.choice([-1.0, 1.0], n_sat) * rng.uniform(1.5, 2.6, n_sat) * site.REEF_HALF_WIDTH_M
        self.satellites = [
            (self.cx + a * self.axis[0] + c * self.axis[1], self.cy + a * self.axis[1] - c * self.axis[0], r)
            for a, c, r in zip(along, across, rng.uniform(700, 1700, n_sat), strict=True)
        ]
        self.joint_angles = np.deg2rad(site.REEF_AXIS_AZIMUTH_DEG + np.array([72.0, -18.0]) + rng.uniform(-8, 8, 2))
        self.strips = self._survey_strips(rng)

    # -- survey footprint ---------------------------------------------------------------------
    def _survey_strips(self, rng: np.random.Generator) -> np.ndarray:
        """North-south survey lines covering the MCZ, with the ragged ends real line plans have.
        Returns (n_strips, 3): [x_west, y_south, y_north] of each swath strip."""
        boundary = site.mcz_boundary(utm=True)
        west = site.Grid(1).west
        strips = []
        for i in range(int(site.GRID_SIDE_M // SWATH_WIDTH_M)):
            x0 = west + i * SWATH_WIDTH_M
            part = boundary.intersection(box(x0, -1e8, x0 + SWATH_WIDTH_M, 1e8))
            ends = rng.uniform(150, 1600, 2)
            if part.is_empty:
                continue
            _, s, _, n = part.bounds
            strips.append((x0, s - ends[0], n + ends[1]))
        return np.array(strips)

    def footprint(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        x0 = self.strips[:, 0]
        idx = np.searchsorted(x0, xs, side="right") - 1
        ok_x = (idx >= 0) & (xs < x0[np.clip(idx, 0, None)] + SWATH_WIDTH_M)
        idx = np.clip(idx, 0, len(x0) - 1)
        south = self.strips[idx, 1]
        north = self.strips[idx, 2]
        return ok_x[None, :] & (ys[:, None] >= south[None, :]) & (ys[:, None] <= north[None, :])

    def across_track(self, xs: np.ndarray) -> np.ndarray:
        """Signed distance of each column from the centre of its survey line (sidescan range)."""
        rel = (xs - self.strips[0, 0]) % SWATH_WIDTH_M
        return rel - SWATH_WIDTH_M / 2

    # -- the reef ----------------------------------------------------------------------------
    def _reef_distance(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Normalised distance from the ridge core: < 0.9 is outcrop. Irregular outline from
        low-frequency noise only, so the same on every grid."""
        dx = xs[None, :] - self.cx
        dy = ys[:, None] - self.cy
        a = dx * self.axis[0] + dy * self.axis[1]
        c = dx * self.axis[1] - dy * self.axis[0]
        c = c - self.bend * (a / site.REEF_HALF_LENGTH_M) ** 2
        r = np.hypot(a / site.REEF_HALF_LENGTH_M, c / site.REEF_HALF_WIDTH_M)
        outline = fbm(xs, ys, 9000.0, self.k_outline, octaves=5, min_spacing=CLASS_MIN_SPACING_M)
        lobes = fbm(xs, ys, 2500.0, self.k_lobes, octaves=4, min_spacing=CLASS_MIN_SPACING_M)
        r = r * (1.0 + 0.22 * outline) + 0.07 * lobes
        for sx, sy, sr in self.satellites:
            rs = np.hypot(xs[None, :] - sx, ys[:, None] - sy) / sr
            r = np.minimum(r, 0.9 * rs * (1.0 + 0.25 * lobes) + 0.08)
        return r

    def fields(self, xs: np.ndarray, ys: np.ndarray, cell: float) -> Fields:
        """All fields on the grid of cell centres xs × ys (cell = grid spacing, metres)."""
        fine = 2.0 * cell  # finest octave this grid can show without aliasing
        r = self._reef_distance(xs, ys)
        rockness = smoothstep(1.0, 0.8, r)
        dome = np.clip(1.0 - r, 0.0, 1.0)
        crest = fbm(xs, ys, 3000.0, self.k_crest, octaves=4, min_spacing=CLASS_MIN_SPACING_M)
        relief_smooth = rockness * (8.0 + 26.0 * dome**0.8 * (0.8 + 0.2 * crest))

        rough = fbm(xs, ys, 1400.0, self.k_rough, octaves=9, gain=0.56, min_spacing=fine, ridged=True)
        joints = self._joints(xs, ys, cell)
        relief = relief_smooth + rockness * (5.0 * rough - 2.5 * joints)

        sed = fbm(xs, ys, 5000.0, self.k_sed, octaves=5, min_spacing=CLASS_MIN_SPACING_M)
        habitat = np.full(r.shape, 5, dtype=np.uint8)
        habitat[sed > 0.55] = 3
        habitat[sed < -0.6] = 4
        apron = r < 1.12
        habitat[apron] = np.where(sed[apron] < -0.35, 4, 3)
        rock = r < 0.9
        habitat[rock] = np.where(relief_smooth[rock] > 21.0, 1, 2)

        depth = self._regional(xs, ys) + relief + self._sediment_texture(xs, ys, cell, rockness, sed)
        return Fields(depth=depth, habitat=habitat, rockness=rockness, footprint=self.footprint(xs, ys), roughness=rough)

    def _joints(self, xs: np.ndarray, ys: np.ndarray, cell: float) -> np.ndarray:
        """Two sets of fractures (granite jointing) as 0..1 gully intensity: wavy, unevenly
        spaced, and each joint fading in and out along its length as real joints do."""
        width = max(14.0, 0.8 * cell)
        warp = fbm(xs, ys, 1500.0, self.k_joint, octaves=3)
        out = np.zeros((len(ys), len(xs)))
        for i, (ang, spacing) in enumerate(zip(self.joint_angles, (330.0, 470.0), strict=True)):
            p = (xs[None, :] * np.cos(ang) - ys[:, None] * np.sin(ang)) / spacing + 0.45 * warp * (1 + i)
            d = np.abs(p - np.round(p)) * spacing
            presence = smoothstep(-0.3, 0.6, fbm(xs, ys, 900.0, derive_key(self.k_joint, i + 1), octaves=3))
            out = np.maximum(out, np.exp(-((d / width) ** 2)) * (14.0 / width) * presence)
        return out

    def _regional(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Gently deepening to the south-west, with long low swells."""
        along_ne = ((xs[None, :] - self.cx) * 0.7071 + (ys[:, None] - self.cy) * 0.7071) / 1000.0
        swell = fbm(xs, ys, 14000.0, self.k_base, octaves=4, min_spacing=CLASS_MIN_SPACING_M)
        return site.BASE_DEPTH_M + site.REGIONAL_SLOPE_M_PER_KM * along_ne + 2.5 * swell

    def _sediment_texture(self, xs, ys, cell, rockness, sed) -> np.ndarray:
        """Sand waves on the sand sheets (only where the grid resolves them) and fine texture."""
        wavelength = 240.0
        visible = float(np.clip((wavelength / cell - 3.0) / 2.0, 0.0, 1.0))
        out = 0.25 * fbm(xs, ys, 600.0, self.k_fine, octaves=6, min_spacing=2 * cell)
        if visible > 0:
            phase = (xs[None, :] * 0.94 + ys[:, None] * 0.34) / wavelength * 2 * np.pi
            wobble = 2.0 * noise_grid(xs, ys, 1800.0, self.k_waves) / 0.28
            sandiness = smoothstep(0.2, -0.3, sed) * (1.0 - rockness)
            out = out + visible * 0.8 * sandiness * np.sin(phase + wobble)
        return out
