"""The synthetic Haig Fras demo survey: deterministic, valid manifests, layers that agree."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.features import rasterize
from shapely.geometry import Point, box, shape

from mpa_builder.demo import BATCH_NAMES, batches, make_demo_batches, noise, site, taxa
from mpa_builder.demo import bathymetry as demo_bathymetry
from mpa_builder.demo.seabed import HABITATS, Seabed
from mpa_builder.manifest import load_manifest

CELLS = 160  # far below "small": the tables and photos do not depend on the raster size
SEED = 20120815


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, list[Path], list[tuple[str, int, int]]]:
    out = tmp_path_factory.mktemp("demo")
    calls: list[tuple[str, int, int]] = []
    paths = make_demo_batches(out, size=CELLS, seed=SEED, progress=lambda s, d, t: calls.append((s, d, t)))
    return out, paths, calls


@pytest.fixture(scope="module")
def tables(demo) -> dict[int, pd.DataFrame]:
    out, _, _ = demo
    return {y: pd.read_csv(out / f"hf{y}-auv" / f"HF{y}_annotations.csv") for y in (2012, 2015)}


@pytest.fixture(scope="module")
def habitat_map(demo) -> gpd.GeoDataFrame:
    return gpd.read_file(demo[0] / "hf-base" / "habitats.gpkg")


def _taxa_columns(df: pd.DataFrame) -> list[str]:
    return list(df.columns[9:])


# -- determinism and manifests -------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(demo, tmp_path):
    out, _, _ = demo
    first = _hashes(out)
    make_demo_batches(tmp_path / "again", size=CELLS, seed=SEED)
    assert _hashes(tmp_path / "again") == first
    assert len(first) > 60  # rasters, vectors, 2 tables, 48 photos + thumbnails, manifests
    make_demo_batches(tmp_path / "other", size=CELLS, seed=SEED + 1)
    other = _hashes(tmp_path / "other")
    for name in ("hf-base/bathymetry/hf_bathymetry.tif", "hf2012-auv/HF2012_annotations.csv"):
        assert other[name] != first[name]


def test_every_batch_yaml_validates_and_references_existing_files(demo):
    out, paths, _ = demo
    assert [p.name for p in paths] == list(BATCH_NAMES)
    layer_ids = []
    for p in paths:
        batch = load_manifest(p)
        assert batch.survey == p.name
        assert batch.licence == "CC-BY-4.0"
        for layer in batch.layers:
            layer_ids.append(layer.id)
            assert layer.theme is not None and layer.title
            for pattern in layer.files:
                assert list(p.glob(pattern)), f"{p.name}: layer {layer.id} pattern {pattern} matches nothing"
    assert len(layer_ids) == len(set(layer_ids))
    assert {"hf-bathymetry", "hf-sidescan", "hf-habitats", "hf-mpa-boundary", "hf2012-images", "hf2012-annotations", "hf2015-annotations"} <= set(layer_ids)
    base = load_manifest(out / "hf-base")
    access = {layer.id: base.layer_access(layer) for layer in base.layers}
    assert access == {"hf-bathymetry": "public", "hf-sidescan": "restricted", "hf-habitats": "public", "hf-mpa-boundary": "public"}


def test_progress_reports_each_step_to_completion(demo):
    _, _, calls = demo
    steps = {s for s, _, _ in calls}
    assert {"bathymetry and sidescan", "habitat map", "AUV survey 2012", "AUV survey 2015", "AUV photos 2012"} <= steps
    for step in steps:
        seen = [(d, t) for s, d, t in calls if s == step]
        assert all(0 <= d <= t for d, t in seen)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        assert seen[-1][0] == seen[-1][1]
    assert ("bathymetry and sidescan", CELLS, CELLS) in calls


def test_bad_size_and_foreign_folders_are_refused(tmp_path):
    with pytest.raises(ValueError, match="size"):
        make_demo_batches(tmp_path, size="huge")
    with pytest.raises(ValueError, match="size"):
        make_demo_batches(tmp_path, size=3)
    (tmp_path / "hf-base").mkdir()
    (tmp_path / "hf-base" / "old.txt").write_text("made by an earlier run")
    (tmp_path / "hf-base" / "batch.yaml").write_text(batches.GENERATED_MARK + "survey: hf-base\n")
    (tmp_path / "hf2015-auv").mkdir()
    (tmp_path / "hf2015-auv" / "precious.txt").write_text("not ours")
    with pytest.raises(FileExistsError, match="hf2015-auv"):
        make_demo_batches(tmp_path, size=64)
    assert (tmp_path / "hf2015-auv" / "precious.txt").read_text() == "not ours"
    assert (tmp_path / "hf-base" / "old.txt").exists()  # nothing touched before the refusal
    (tmp_path / "hf2015-auv" / "precious.txt").unlink()
    make_demo_batches(tmp_path, size=64)  # an earlier run's folder is replaced, an empty one filled
    assert not (tmp_path / "hf-base" / "old.txt").exists()
    assert load_manifest(tmp_path / "hf2015-auv").survey == "hf2015-auv"


def test_noise_is_the_same_on_grids_and_at_points():
    xs = np.linspace(0.0, 5000.0, 37)
    ys = np.linspace(-800.0, 1200.0, 23)
    grid = noise.fbm(xs, ys, 900.0, 42, octaves=4)
    gx, gy = np.meshgrid(xs, ys)
    pts = noise.fbm(gx.ravel(), gy.ravel(), 900.0, 42, octaves=4, points=True).reshape(grid.shape)
    assert np.allclose(grid, pts, atol=1e-12)
    big = noise.fbm(np.arange(400.0) * 50, np.arange(300.0) * 50, 900.0, 7, octaves=4)
    assert 0.7 < big.std() < 1.3 and abs(big.mean()) < 0.3


# -- rasters -------------------------------------------------------------------------------------


def test_bathymetry_is_a_reef_rising_from_a_sloping_plain(demo):
    with rasterio.open(demo[0] / "hf-base" / "bathymetry" / "hf_bathymetry.tif") as src:
        assert src.crs.to_epsg() == 32629
        assert src.dtypes[0] == "float32" and src.nodata == -9999
        assert src.width == src.height == CELLS
        assert src.profile["tiled"] and src.compression is not None
        z = src.read(1, masked=True)
        transform = src.transform
        mcz = site.mcz_boundary(utm=True)
        assert box(*src.bounds).contains(mcz)
    assert 0.2 < z.mask.mean() < 0.7  # irregular footprint with a nodata margin
    assert z.mask[0, 0] and z.mask[-1, -1]
    assert -115 < z.min() < -95 and -70 < z.max() < -45
    rows, cols = np.indices(z.shape)
    x = transform.c + (cols + 0.5) * transform.a
    y = transform.f + (rows + 0.5) * transform.e
    cx, cy = site.reef_centre_utm()
    r = np.hypot(x - cx, y - cy)
    centre = z[(r < 3000) & ~z.mask].mean()
    far = z[(r > 15000) & ~z.mask]
    assert centre > far.mean() + 12
    # the plain deepens to the south-west: compare the far field either side of the reef
    ne = (x - cx + y - cy) > 0
    assert z[(r > 15000) & ne & ~z.mask].mean() > z[(r > 15000) & ~ne & ~z.mask].mean() + 3
    # rugged: the reef's cell-to-cell relief is much larger than the plain's
    dz = np.abs(np.diff(z, axis=1))
    assert dz[(r[:, 1:] < 4000)].mean() > 3 * dz[(r[:, 1:] > 15000)].mean()


def test_sidescan_follows_the_substrate(demo, habitat_map):
    base = demo[0] / "hf-base"
    with rasterio.open(base / "sidescan" / "hf_sidescan.tif") as sss, rasterio.open(base / "bathymetry" / "hf_bathymetry.tif") as bathy:
        assert sss.dtypes[0] == "uint8" and sss.nodata == 0
        assert sss.crs == bathy.crs and sss.transform == bathy.transform
        s = sss.read(1)
        assert np.array_equal(s == 0, bathy.read(1) == -9999)
        codes = {"rock": 1, "coarse": 2, "mixed": 3, "sand": 4}
        hab = habitat_map.to_crs(sss.crs)
        classes = rasterize(((g, codes[v]) for g, v in zip(hab.geometry, hab.substratum, strict=True)), out_shape=s.shape, transform=sss.transform)
    mean = {name: s[(classes == c) & (s > 0)].mean() for name, c in codes.items()}
    assert mean["rock"] > mean["coarse"] > mean["sand"] + 30
    assert mean["mixed"] > mean["sand"]
    # rock is speckled, sand smooth (relative spread)
    spread = {name: s[(classes == c) & (s > 0)].std() / mean[name] for name, c in codes.items()}
    assert spread["rock"] > spread["sand"]


def test_windowed_evaluation_equals_whole_grid():
    """What makes the large rasters writable strip by strip: any window gives the same numbers."""
    seabed = Seabed(np.random.default_rng(7))
    grid = site.Grid(96)
    whole = seabed.fields(grid.xs(), grid.ys(), grid.cell)
    top = seabed.fields(grid.xs(), grid.ys(0, 40), grid.cell)
    bottom = seabed.fields(grid.xs(), grid.ys(40, 96), grid.cell)
    assert np.array_equal(np.vstack([top.depth, bottom.depth]), whole.depth)
    assert np.array_equal(np.vstack([top.habitat, bottom.habitat]), whole.habitat)
    assert demo_bathymetry.strip_rows(8192) * 8192 <= 2**19


# -- vectors -------------------------------------------------------------------------------------


def test_habitat_polygons_are_valid_eunis_and_do_not_overlap(habitat_map):
    assert habitat_map.crs.to_epsg() == 4326
    assert {"eunis_code", "eunis_name", "substratum"} <= set(habitat_map.columns)
    assert habitat_map.geometry.is_valid.all()
    assert set(habitat_map.geom_type) <= {"Polygon", "MultiPolygon"}
    allowed = {(c, n, s) for c, n, s in HABITATS.values()}
    assert set(zip(habitat_map.eunis_code, habitat_map.eunis_name, habitat_map.substratum, strict=True)) <= allowed
    assert set(habitat_map.substratum) == {"rock", "coarse", "mixed", "sand"}
    utm = habitat_map.to_crs(site.CRS)
    union = utm.geometry.union_all()
    assert utm.area.sum() == pytest.approx(union.area, rel=1e-6)
    rock = utm[utm.substratum == "rock"].geometry.union_all()
    assert rock.contains(Point(site.reef_centre_utm()))


def test_mpa_boundary_layer(demo):
    doc = json.loads((demo[0] / "hf-base" / "mpa_boundary.geojson").read_text())
    poly = shape(doc["features"][0]["geometry"])
    assert poly.is_valid and poly.geom_type == "Polygon"
    w, s, e, n = poly.bounds
    assert (w, s, e, n) == pytest.approx(site.MCZ_BBOX, abs=0.01)


# -- annotation tables ---------------------------------------------------------------------------


@pytest.mark.parametrize("year,n_rows,n_taxa", [(2012, 2637, 81), (2015, 2588, 39)])
def test_annotation_table_shape_and_values(tables, year, n_rows, n_taxa):
    df = tables[year]
    assert list(df.columns[:9]) == ["filename", "id_image", "datetime", "latitude", "longitude", "depth_m", "area_seabed_m2", "substratum", "habitat"]
    names = _taxa_columns(df)
    assert len(df) == n_rows and len(names) == n_taxa
    assert {"pentapora_foliacea", "galeus_melastomus"} <= set(names)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", n) for n in names)
    counts = df[names]
    assert all(pd.api.types.is_integer_dtype(t) for t in counts.dtypes)
    assert (counts >= 0).all().all()
    assert (counts == 0).mean().mean() > 0.6  # mostly zeros, like real tile counts
    assert df.id_image.is_unique and df.filename.is_unique
    assert df.area_seabed_m2.between(6.5, 8.1).all() and df.area_seabed_m2.mean() == pytest.approx(7.3, abs=0.1)
    times = pd.to_datetime(df.datetime, utc=True)
    assert times.is_monotonic_increasing and times.is_unique and (times.dt.year == year).all()
    assert set(df.substratum) <= {"rock", "coarse", "mixed", "sand"} and df.substratum.nunique() >= 3
    mcz = site.mcz_boundary()
    assert all(mcz.contains(Point(lon, lat)) for lon, lat in zip(df.longitude, df.latitude, strict=True))


@pytest.mark.parametrize("year", [2012, 2015])
def test_substratum_and_habitat_agree_with_the_habitat_map(tables, habitat_map, year):
    df = tables[year]
    pts = gpd.GeoDataFrame(df[["substratum", "habitat"]], geometry=gpd.points_from_xy(df.longitude, df.latitude), crs=4326)
    joined = gpd.sjoin(pts, habitat_map[["eunis_code", "substratum", "geometry"]], predicate="within", rsuffix="map")
    joined = joined[~joined.index.duplicated()]
    assert len(joined) >= 0.99 * len(df)
    assert (joined.substratum_left == joined.substratum_map).mean() > 0.99
    assert (joined.habitat == joined.eunis_code).mean() > 0.99


@pytest.mark.parametrize("year", [2012, 2015])
def test_depth_is_sampled_from_the_bathymetry(demo, tables, year):
    df = tables[year]
    x, y = site.to_utm().transform(df.longitude.to_numpy(), df.latitude.to_numpy())
    with rasterio.open(demo[0] / "hf-base" / "bathymetry" / "hf_bathymetry.tif") as src:
        z = src.read(1)
        col = (np.asarray(x) - src.transform.c) / src.transform.a - 0.5
        row = (np.asarray(y) - src.transform.f) / src.transform.e - 0.5
    c0, r0 = np.floor(col).astype(int), np.floor(row).astype(int)
    corners = np.stack([z[r0 + dr, c0 + dc] for dr in (0, 1) for dc in (0, 1)])
    assert (corners != -9999).all()
    elevation = -df.depth_m.to_numpy()
    assert (elevation >= corners.min(axis=0) - 0.01).all() and (elevation <= corners.max(axis=0) + 0.01).all()


def test_counts_are_overdispersed(tables):
    df = tables[2012]
    rock = df[df.substratum == "rock"][_taxa_columns(df)]
    common = rock.columns[rock.mean() > 0.3]
    assert len(common) >= 5
    ratio = rock[common].var() / rock[common].mean()
    assert (ratio > 1.1).all()  # Poisson would give 1
    assert ratio.median() > 2.5


def test_densities_match_the_true_model(demo, tables):
    """Observed density of common taxa per substratum ≈ the documented true density."""
    truth = json.loads((demo[0] / "demo-truth.json").read_text())
    df = tables[2012]
    ratios = []
    for sub_i, sub in enumerate(truth["substrata"]):
        part = df[df.substratum == sub]
        if len(part) < 150:
            continue
        area = part.area_seabed_m2.sum()
        for name, dens in truth["density_2012"].items():
            expected = dens[sub_i] * area
            if expected > 300:
                ratios.append(part[name].sum() / expected)
    # each common taxon within its patchiness, and no bias overall
    assert len(ratios) >= 8
    assert all(0.5 < r < 2.0 for r in ratios), ratios
    assert 0.8 < np.median(ratios) < 1.2


def test_true_change_between_2012_and_2015_is_present(tables):
    d12, d15 = tables[2012], tables[2015]

    def density(df, name, members=None):
        rock = df[df.substratum == "rock"]
        cols = members or [name]
        return rock[cols].sum().sum() / rock.area_seabed_m2.sum()

    groups = taxa.groups_2015()
    names12 = [m[0] for m in taxa.MORPHOTYPES]
    ratio = {
        g: density(d15, g) / density(d12, g, [names12[i] for i in groups[g]])
        for g in ("pentapora_foliacea", "alcyonium_digitatum", "munida_rugosa", "ophiuroidea", "caryophyllia_smithii")
    }
    assert ratio["pentapora_foliacea"] < 0.9 and ratio["alcyonium_digitatum"] < 0.9
    assert ratio["munida_rugosa"] > 1.1 and ratio["ophiuroidea"] > 1.1
    assert 0.85 < ratio["caryophyllia_smithii"] < 1.15  # unchanged taxa stay put
    # the 2015 list lumps the 2012 one: fewer, coarser morphotypes
    assert set(_taxa_columns(d15)) == set(groups)


# -- photos --------------------------------------------------------------------------------------


@pytest.mark.parametrize("year,n", [(2012, 36), (2015, 12)])
def test_photos_match_table_rows_and_positions(demo, tables, year, n):
    folder = demo[0] / f"hf{year}-auv"
    df = tables[year].set_index("filename")
    photos = sorted((folder / "images").glob("*.tif"))
    assert len(photos) == n
    assert {p.name for p in photos} <= set(df.index)
    assert {p.stem for p in (folder / "thumbnails").glob("*.jpg")} == {p.stem for p in photos}
    assert df.loc[[p.name for p in photos]].substratum.nunique() >= 3
    for p in photos:
        row = df.loc[p.name]
        with rasterio.open(p) as src:
            assert src.count == 3 and src.dtypes == ("uint8",) * 3 and src.crs.to_epsg() == 32629
            w, s, e, nn = src.bounds
            rgb = src.read()
        assert (e - w) * (nn - s) == pytest.approx(row.area_seabed_m2, rel=0.01)
        x, y = site.to_utm().transform(row.longitude, row.latitude)
        assert abs((w + e) / 2 - x) < 0.5 and abs((s + nn) / 2 - y) < 0.5
        assert 40 < rgb.mean() < 200 and rgb.std() > 5  # a picture, not a blank
