"""AUV lawnmower lines and the positions, times and footprints of the image tiles along them.

The survey box is placed where the lines cross the reef margin, so each survey samples rock and
the surrounding sediments in proportions like the real Haig Fras AUV surveys (roughly 40 % rock).
The placement is searched deterministically from the habitat map, so it holds for any seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np

from . import site
from .noise import derive_key, fbm
from .seabed import SUBSTRATA

LINE_LENGTH_M = 2400.0
LINE_SPACING_M = 200.0
N_LINES = 3
SPEED_M_S = 1.3
TURN_S = 150.0
ALTITUDE_M = 3.0
TARGET_MIX = {"rock": 0.40, "coarse": 0.25, "mixed": 0.15, "sand": 0.20}


@dataclass(frozen=True)
class Plan:
    centre: tuple[float, float]  # UTM
    heading_deg: float  # azimuth of the lines


@dataclass
class Track:
    x: np.ndarray
    y: np.ndarray
    time: list[datetime]
    area_m2: np.ndarray
    line: np.ndarray


def _line_points(plan: Plan, n_per_line: int, offset_m: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Evenly spaced points along each line, alternate lines run in opposite directions."""
    h = np.deg2rad(plan.heading_deg)
    along_u = np.array([np.sin(h), np.cos(h)])
    across_u = np.array([np.cos(h), -np.sin(h)])
    xs, ys, dist, line = [], [], [], []
    s = (np.arange(n_per_line) + 0.5) / n_per_line * LINE_LENGTH_M - LINE_LENGTH_M / 2
    for i in range(N_LINES):
        c = (i - (N_LINES - 1) / 2) * LINE_SPACING_M + offset_m
        si = s if i % 2 == 0 else s[::-1]
        xs.append(plan.centre[0] + si * along_u[0] + c * across_u[0])
        ys.append(plan.centre[1] + si * along_u[1] + c * across_u[1])
        dist.append(s + LINE_LENGTH_M / 2)
        line.append(np.full(n_per_line, i + 1))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(dist), np.concatenate(line)


def substratum_at(habitats_utm: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> gpd.GeoDataFrame:
    """Habitat polygon attributes at each point (nearest polygon for the rare point on no polygon)."""
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=site.CRS)
    joined = gpd.sjoin(pts, habitats_utm[["eunis_code", "substratum", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    missing = joined["substratum"].isna()
    if missing.any():
        near = gpd.sjoin_nearest(pts[missing], habitats_utm[["eunis_code", "substratum", "geometry"]], how="left")
        near = near[~near.index.duplicated(keep="first")]
        joined.loc[missing, ["eunis_code", "substratum"]] = near[["eunis_code", "substratum"]].values
    return joined[["eunis_code", "substratum"]]


def choose_plan(habitats_utm: gpd.GeoDataFrame) -> Plan:
    """The box across the reef margin whose substratum mix is closest to TARGET_MIX."""
    cx, cy = site.reef_centre_utm()
    az = np.deg2rad(site.REEF_AXIS_AZIMUTH_DEG)
    axis = np.array([np.sin(az), np.cos(az)])
    perp = np.array([np.cos(az), -np.sin(az)])
    heading = (site.REEF_AXIS_AZIMUTH_DEG + 90.0) % 360.0
    candidates = [
        Plan((cx + a * axis[0] + c * perp[0], cy + a * axis[1] + c * perp[1]), heading)
        for a in np.linspace(-1.0, 1.0, 11) * site.REEF_HALF_LENGTH_M
        for c in np.linspace(-1.8, 1.8, 15) * site.REEF_HALF_WIDTH_M
    ]
    n = 30
    pts = [_line_points(p, n)[:2] for p in candidates]
    sub = substratum_at(habitats_utm, np.concatenate([p[0] for p in pts]), np.concatenate([p[1] for p in pts]))
    values = sub["substratum"].to_numpy().reshape(len(candidates), n * N_LINES)
    scores = [sum(abs(np.mean(v == s) - TARGET_MIX[s]) for s in SUBSTRATA) for v in values]
    return candidates[int(np.argmin(scores))]


def survey_track(plan: Plan, n_images: int, start: datetime, rng: np.random.Generator, rotate_deg: float = 0.0, offset_m: float = 0.0) -> Track:
    """Image tiles along the lines: ~2.7 m apart, small cross-track wander, altitude jitter."""
    plan = Plan(plan.centre, plan.heading_deg + rotate_deg)
    per_line = -(-n_images // N_LINES)
    x, y, dist, line = _line_points(plan, per_line, offset_m)
    x, y, dist, line = x[:n_images], y[:n_images], dist[:n_images], line[:n_images]
    key = int(rng.integers(0, 2**62))
    t = np.arange(n_images, dtype=np.float64)
    wander = fbm(t, np.zeros(1), 60.0, key, octaves=3, points=True) * 2.5
    h = np.deg2rad(plan.heading_deg)
    x = x + wander * np.cos(h)
    y = y - wander * np.sin(h)
    altitude = ALTITUDE_M * (1.0 + 0.015 * fbm(t, np.ones(1) * 7.0, 25.0, derive_key(key, 1), octaves=3, points=True))
    area = site.TILE_AREA_M2 * (altitude / ALTITUDE_M) ** 2
    seconds = (line - 1) * (LINE_LENGTH_M / SPEED_M_S + TURN_S) + dist / SPEED_M_S
    seconds = seconds + rng.uniform(0, 0.2, n_images)  # camera trigger jitter; stays increasing
    times = [start + timedelta(seconds=float(s)) for s in seconds]
    return Track(x=x, y=y, time=times, area_m2=area, line=line)
