"""Tiny real survey batches (GeoTIFF, GeoPackage, CSV) for the builder tests.

They are small on purpose (a build takes about a second) but real files that GDAL, tippecanoe
and pandas read exactly like survey data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import yaml
from rasterio.transform import from_origin

ORCID = "0000-0002-1825-0097"
# Haig Fras lies in UTM zone 29N (EPSG:32629): ~50.3N 8.1W
X0, Y0 = 564000.0, 5573000.0


def write_bathy(path: Path, *, h: int = 600, w: int = 800, res: float = 5.0, seed: int = 1, crs: str | None = "EPSG:32629") -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    z = (-85 - 20 * np.sin(x / 70.0) * np.cos(y / 55.0) - rng.normal(0, 0.2, (h, w))).astype("float32")
    z[:16, :16] = -9999.0
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", height=h, width=w, count=1, dtype="float32", crs=crs,
                       transform=from_origin(X0, Y0, res, res), nodata=-9999.0) as dst:
        dst.write(z, 1)
    return z


def write_photo(path: Path, *, i: int, seed: int = 2) -> None:
    rng = np.random.default_rng(seed + i)
    rgb = (rng.random((3, 240, 320)) * 200 + 30).astype("uint8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", height=240, width=320, count=3, dtype="uint8", crs="EPSG:32629",
                       transform=from_origin(X0 + 10 * i, Y0 - 100, 0.01, 0.01), photometric="RGB") as dst:
        dst.write(rgb)


def write_habitats(path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    gdf = gpd.GeoDataFrame(
        {"habitat": ["A4.1", "A5.1", "A5.2"], "label": ["Circalittoral rock", "Coarse sediment", "Sand"]},
        geometry=[box(X0, Y0 - 3000, X0 + 2000, Y0), box(X0 + 2000, Y0 - 3000, X0 + 4000, Y0),
                  box(X0, Y0 - 6000, X0 + 4000, Y0 - 3000)],
        crs="EPSG:32629",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf.to_file(path, driver="GPKG")


TAXA = ["pentapora_foliacea", "caryophyllia_smithii", "alcyonium_digitatum"]


def write_annotations(path: Path, n: int = 12, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    lines = ["filename,id_image,datetime,latitude,longitude,depth_m,area_seabed_m2,substratum,habitat," + ",".join(TAXA)]
    for k in range(n):
        counts = ",".join(str(int(c)) for c in rng.poisson([2, 5, 1]))
        sub = "rock" if k % 3 else "sand"
        lines.append(f"img_{k:04d}.jpg,{1000 + k},2012-08-15T10:{k:02d}:00Z,{50.30 + k * 1e-4:.5f},"
                     f"{-8.10 - k * 1e-4:.5f},{90 + k % 5},{7.3 - 0.01 * k:.2f},{sub},A4.1,{counts}")
    path.write_text("\n".join(lines) + "\n")


def manifest(folder: Path, survey: str, layers: list[dict], *, access: str = "public") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "batch.yaml").write_text(yaml.safe_dump({
        "survey": survey, "title": f"Test survey {survey}", "datetime": "2012-08-15/2012-08-25",
        "licence": "CC-BY-4.0", "access": access, "depositor": ORCID, "site": "haig-fras",
        "providers": [{"name": "Test provider", "roles": ["producer"]}], "layers": layers,
    }, sort_keys=False))
    return folder


def make_full_batch(folder: Path, survey: str = "hf2012-auv", *, access: str = "public") -> Path:
    """Raster + vector + images + table: every kind once."""
    write_bathy(folder / "bathy" / "bathy_a.tif")
    for i in range(3):
        write_photo(folder / "images" / f"img_{i:04d}.tif", i=i)
    write_habitats(folder / "habitats.gpkg")
    write_annotations(folder / "annotations.csv")
    return manifest(folder, survey, [
        {"id": f"{survey}-bathymetry", "kind": "raster", "files": ["bathy/*.tif"], "render": {"colormap_name": "viridis"}},
        {"id": f"{survey}-images", "kind": "images", "files": ["images/*.tif"]},
        {"id": f"{survey}-annotations", "kind": "table", "files": ["annotations.csv"]},
        {"id": f"{survey}-habitats", "kind": "vector", "files": ["habitats.gpkg"], "theme": "habitat"},
    ], access=access)


def make_raster_batch(folder: Path, survey: str = "hf2015-mbes", *, access: str = "public", seed: int = 5) -> Path:
    write_bathy(folder / "bathy.tif", h=300, w=400, seed=seed)
    return manifest(folder, survey, [{"id": f"{survey}-bathymetry", "kind": "raster", "files": ["bathy.tif"]}],
                    access=access)
