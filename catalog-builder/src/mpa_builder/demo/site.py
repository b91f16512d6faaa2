"""Haig Fras MCZ: the fixed facts the demo generator builds its synthetic seabed around.

Everything here is geography, not randomness: the seed changes the texture of the reef and the
animals on it, never where the site is. Coordinates are WGS84 lon/lat unless named `_utm`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from affine import Affine
from pyproj import Transformer
from shapely.geometry import Polygon

SITE_ID = "haig-fras"
SITE_NAME = "Haig Fras Marine Conservation Zone"
CRS = "EPSG:32629"  # UTM zone 29N: the site lies between 6°W and 12°W
CRS_GEO = "EPSG:4326"

#: MCZ bounding box (west, south, east, north), degrees.
MCZ_BBOX = (-8.4, 50.1, -7.6, 50.5)

#: A simplified MCZ boundary (lon, lat), anticlockwise, inside MCZ_BBOX and touching all four sides.
MCZ_BOUNDARY_LONLAT = [
    (-8.40, 50.300),
    (-8.33, 50.190),
    (-8.18, 50.100),
    (-7.90, 50.118),
    (-7.66, 50.160),
    (-7.60, 50.290),
    (-7.70, 50.440),
    (-7.93, 50.500),
    (-8.16, 50.485),
    (-8.34, 50.410),
    (-8.40, 50.300),
]

#: Centre of the granite outcrop and the azimuth (degrees clockwise from north) of its long axis.
REEF_CENTRE_LONLAT = (-7.99, 50.31)
REEF_AXIS_AZIMUTH_DEG = 38.0
REEF_HALF_LENGTH_M = 14_000.0
REEF_HALF_WIDTH_M = 4_800.0

#: Regional seabed: depth at the reef centre without the reef, and how fast it deepens to the SW.
BASE_DEPTH_M = -94.0
REGIONAL_SLOPE_M_PER_KM = 0.32

#: Extent of every demo raster (UTM metres): the MCZ box plus a margin, made square.
GRID_CENTRE_UTM = (571_300.0, 5_572_500.0)
GRID_SIDE_M = 61_600.0

#: Seabed area one AUV image tile covers, and the tile's aspect (across-track : along-track).
TILE_AREA_M2 = 7.3
TILE_ASPECT = 4.0 / 3.0


@cache
def to_utm() -> Transformer:
    return Transformer.from_crs(CRS_GEO, CRS, always_xy=True)


@cache
def to_geo() -> Transformer:
    return Transformer.from_crs(CRS, CRS_GEO, always_xy=True)


def mcz_boundary(utm: bool = False) -> Polygon:
    poly = Polygon(MCZ_BOUNDARY_LONLAT)
    if not utm:
        return poly
    return shapely.transform(poly, lambda xy: np.column_stack(to_utm().transform(xy[:, 0], xy[:, 1])))


def reef_centre_utm() -> tuple[float, float]:
    x, y = to_utm().transform(*REEF_CENTRE_LONLAT)
    return float(x), float(y)


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid in UTM 29N; `n` cells per side over the fixed square extent."""

    n: int

    @property
    def cell(self) -> float:
        return GRID_SIDE_M / self.n

    @property
    def west(self) -> float:
        return GRID_CENTRE_UTM[0] - GRID_SIDE_M / 2

    @property
    def north(self) -> float:
        return GRID_CENTRE_UTM[1] + GRID_SIDE_M / 2

    @property
    def transform(self) -> Affine:
        return Affine(self.cell, 0.0, self.west, 0.0, -self.cell, self.north)

    def xs(self, col0: int = 0, col1: int | None = None) -> np.ndarray:
        """Easting of cell centres for columns [col0, col1)."""
        col1 = self.n if col1 is None else col1
        return self.west + (np.arange(col0, col1) + 0.5) * self.cell

    def ys(self, row0: int = 0, row1: int | None = None) -> np.ndarray:
        """Northing of cell centres for rows [row0, row1)."""
        row1 = self.n if row1 is None else row1
        return self.north - (np.arange(row0, row1) + 0.5) * self.cell
