"""Deterministic, offline generator of a realistic synthetic Haig Fras demo survey.

`make_demo_batches(out)` writes three survey batches (base layers, AUV 2012, AUV 2015) that the
catalog-builder publishes like any real batch. Everything comes from one seeded model of the
seabed (`seabed`), so bathymetry, sidescan, habitat map, photo annotations and photos agree with
each other; the same seed gives byte-identical files. The true biological change between the
two surveys is documented in `taxa` (and written to `demo-truth.json`) so statistics can be
checked against it.
"""

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import annotations, batches, bathymetry, habitats, photos, site, taxa, tracks
from .seabed import Seabed

SIZES = {"small": 1000, "large": 8192}
N_IMAGES = {2012: 2637, 2015: 2588}
N_PHOTOS = {2012: 36, 2015: 12}
STARTS = {2012: datetime(2012, 8, 18, 8, 30, tzinfo=UTC), 2015: datetime(2015, 6, 12, 9, 10, tzinfo=UTC)}
DATES = {2012: "2012-08-18/2012-08-20", 2015: "2015-06-12/2015-06-14"}
BATCH_NAMES = ("hf-base", "hf2012-auv", "hf2015-auv")

Progress = Callable[[str, int, int], None]

__all__ = ["BATCH_NAMES", "SIZES", "make_demo_batches"]


def _cells(size: str | int) -> int:
    if isinstance(size, bool):
        raise TypeError(f"size: expected 'small', 'large' or an int, got {size!r}")
    if isinstance(size, int):
        if not 32 <= size <= 65536:
            raise ValueError(f"size: bathymetry cells per side must be 32..65536, got {size}")
        return size
    if size in SIZES:
        return SIZES[size]
    if isinstance(size, str) and size.isdigit():
        return _cells(int(size))
    raise ValueError(f"size: expected 'small', 'large' or an int, got {size!r}")


def _check_ours(folder: Path) -> None:
    """Only a folder this generator made before (or an empty one) may be replaced."""
    if folder.exists():
        manifest = folder / "batch.yaml"
        generated = manifest.exists() and manifest.read_text().startswith(batches.GENERATED_MARK)
        if not generated and any(folder.iterdir()):
            raise FileExistsError(f"{folder}: exists and was not made by the demo generator; refusing to overwrite")


def _prepare(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def make_demo_batches(
    out: Path,
    size: str | int = "small",
    seed: int = 20120815,
    progress: Progress | None = None,
) -> list[Path]:
    """Write the demo batches under `out`; returns the batch folders (each holds a batch.yaml).

    size: "small" (1000² bathymetry cells, a few seconds), "large" (8192², for benchmarks,
    written in strips so memory stays bounded) or an int, the bathymetry cells per side.
    progress(step, done, total) is called as work advances.
    """
    n = _cells(size)
    report = progress or (lambda step, done, total: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in BATCH_NAMES:  # check all before touching any
        _check_ours(out / name)
    folders = {name: _prepare(out / name) for name in BATCH_NAMES}
    ss = np.random.SeedSequence(seed)
    (s_seabed, s_rasters, s_model, s_patch, s_2012, s_2015) = ss.spawn(6)

    report("seabed model", 0, 1)
    seabed = Seabed(np.random.default_rng(s_seabed))
    report("seabed model", 1, 1)

    base = folders["hf-base"]
    grid = site.Grid(n)
    bathy_path = base / "bathymetry" / "hf_bathymetry.tif"
    depth = bathymetry.write_rasters(seabed, grid, bathy_path, base / "sidescan" / "hf_sidescan.tif", s_rasters, report)

    report("habitat map", 0, 1)
    hab = habitats.habitat_polygons(seabed)
    habitats.write_habitats(hab, base / "habitats.gpkg")
    habitats.write_boundary(base / "mpa_boundary.geojson")
    batches.base_batch(base, seed, depth)
    report("habitat map", 1, 1)

    model = taxa.model_2012(np.random.default_rng(s_model))
    patch_key = int(np.random.default_rng(s_patch).integers(0, 2**62))
    plan = tracks.choose_plan(hab)
    for year, s_year in ((2012, s_2012), (2015, s_2015)):
        step = f"AUV survey {year}"
        report(step, 0, 3)
        s_track, s_counts, s_photos = s_year.spawn(3)
        rng_track = np.random.default_rng(s_track)
        if year == 2012:
            track = tracks.survey_track(plan, N_IMAGES[year], STARTS[year], rng_track)
        else:  # the repeat survey flies the same box, slightly turned and shifted, the other way round
            track = tracks.survey_track(plan, N_IMAGES[year], STARTS[year], rng_track, rotate_deg=184.0, offset_m=35.0)
        hab_at = tracks.substratum_at(hab, track.x, track.y)
        depth_m = annotations.sample_depth(bathy_path, track.x, track.y)
        mean = annotations.expected_counts(model, hab_at["substratum"].to_numpy(), track.area_m2, track.x, track.y, patch_key)
        if year == 2012:
            names, k = model.names, model.k
        else:
            names, mean = annotations.expected_2015(mean)
            k = annotations.k_2015(model)
        counts = annotations.nb_counts(mean, k, np.random.default_rng(s_counts))
        prefix = f"HF{year}"
        df = annotations.table(prefix, track, depth_m, hab_at, names, counts)
        folder = folders[f"hf{year}-auv"]
        annotations.write_csv(df, folder / f"{prefix}_annotations.csv")
        report(step, 1, 3)
        photos.write_photos(df, track.x, track.y, names, folder, N_PHOTOS[year], np.random.default_rng(s_photos),
                            progress=lambda done, total, year=year: report(f"AUV photos {year}", done, total))
        report(step, 2, 3)
        batches.auv_batch(folder, year, len(df), len(names), N_PHOTOS[year], DATES[year], seed)
        report(step, 3, 3)

    _write_truth(out / "demo-truth.json", model, seed)
    return [folders[name] for name in BATCH_NAMES]


def _write_truth(path: Path, model: taxa.AbundanceModel, seed: int) -> None:
    """The true model behind the tables, so estimators can be checked against it."""
    from .seabed import SUBSTRATA

    truth = {
        "seed": seed,
        "note": "Expected densities (ind m-2) per substratum before spatial patchiness (mean 1).",
        "substrata": list(SUBSTRATA),
        "density_2012": {name: [round(float(v), 8) for v in row] for name, row in zip(model.names, model.density, strict=True)},
        "k_2012": {name: round(float(v), 4) for name, v in zip(model.names, model.k, strict=True)},
        "groups_2015": {g: [model.names[i] for i in idx] for g, idx in taxa.groups_2015().items()},
        "change_2012_2015": {g: taxa.TRUE_CHANGE_2012_2015.get(g, 1.0) for g in taxa.groups_2015()},
    }
    path.write_text(json.dumps(truth, indent=1) + "\n")
