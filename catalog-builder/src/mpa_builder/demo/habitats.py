"""The EUNIS habitat map and the MCZ boundary as vector layers.

Habitat polygons are traced from the seabed model's classification on a ~100 m grid (the
resolution of a real broadscale habitat map) and simplified as one coverage, so neighbouring
polygons keep sharing their edges exactly: no gaps, no overlaps, and a point is in exactly one
polygon. The annotation tables look up each image's substratum and habitat in these polygons.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from rasterio.features import shapes
from shapely.geometry import mapping, shape

from . import site
from .seabed import HABITATS, Seabed

HABITAT_GRID_N = 600  # cells per side of the classification grid (~103 m cells)


def habitat_polygons(seabed: Seabed) -> gpd.GeoDataFrame:
    """Valid, non-overlapping habitat polygons in UTM (site.CRS)."""
    grid = site.Grid(HABITAT_GRID_N)
    f = seabed.fields(grid.xs(), grid.ys(), grid.cell)
    codes, geoms = [], []
    for geom, value in shapes(f.habitat, mask=f.footprint, transform=grid.transform, connectivity=4):
        codes.append(int(value))
        geoms.append(shape(geom))
    simplified = shapely.coverage_simplify(np.array(geoms), tolerance=1.5 * grid.cell)
    simplified = shapely.make_valid(simplified)
    # make_valid may return collections around pinched vertices: keep only the areal parts
    simplified = np.array([shapely.union_all(shapely.get_parts(g)[shapely.get_type_id(shapely.get_parts(g)) >= 3])
                           if shapely.get_type_id(g) == 7 else g for g in simplified])
    gdf = gpd.GeoDataFrame(
        {
            "eunis_code": [HABITATS[c][0] for c in codes],
            "eunis_name": [HABITATS[c][1] for c in codes],
            "substratum": [HABITATS[c][2] for c in codes],
        },
        geometry=simplified,
        crs=site.CRS,
    )
    gdf = gdf[~gdf.geometry.is_empty & (gdf.geometry.area > 0)].reset_index(drop=True)
    gdf["area_km2"] = (gdf.geometry.area / 1e6).round(4)
    gdf.insert(0, "polygon_id", np.arange(1, len(gdf) + 1))
    return gdf


def write_habitats(gdf_utm: gpd.GeoDataFrame, path: Path) -> None:
    """GeoPackage in EPSG:4326. GDAL stamps GeoPackages with the current time; fixing that stamp
    (OGR_CURRENT_DATE) keeps the file byte-identical for the same seed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    out = gdf_utm.to_crs(site.CRS_GEO)
    out["geometry"] = shapely.make_valid(out.geometry.values)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2016-01-17T00:00:00.000Z"})
    try:
        out.to_file(path, layer="habitats", driver="GPKG", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def write_boundary(path: Path) -> None:
    """The MCZ boundary as GeoJSON (EPSG:4326), written by hand so the bytes are stable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    feature = {
        "type": "Feature",
        "properties": {"site_id": site.SITE_ID, "name": site.SITE_NAME, "designation": "Marine Conservation Zone"},
        "geometry": mapping(site.mcz_boundary()),
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, indent=1) + "\n")
