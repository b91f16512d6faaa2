"""Bad inputs: each gives one clear error naming what and where, and publishes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mpa_builder.cli import app
from mpa_builder.errors import BuildError
from mpa_builder.manifest import ManifestError
from mpa_builder.pipeline import publish_batches
from mpa_builder.store import Store
from tests.builder.batches import (
    manifest,
    write_annotations,
    write_bathy,
    write_habitats,
)


@pytest.fixture(scope="module")
def published(raster_batch, tmp_path_factory) -> Path:
    """A store that already holds version 1; bad batches must leave it exactly as it is."""
    root = tmp_path_factory.mktemp("store")
    publish_batches([raster_batch], Store(str(root)))
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _publish_fails(batch: Path, store: Path, exc_type=BuildError) -> str:
    before = _snapshot(store)
    with pytest.raises(exc_type) as info:
        publish_batches([batch], Store(str(store)))
    assert _snapshot(store) == before, "a failed publish must not touch the store"
    return str(info.value)


def test_truncated_tiff(tmp_path, published):
    write_bathy(tmp_path / "b" / "bathy.tif")
    data = (tmp_path / "b" / "bathy.tif").read_bytes()
    (tmp_path / "b" / "bathy.tif").write_bytes(data[: len(data) // 3])
    batch = manifest(tmp_path / "b", "bad-tiff", [{"id": "bad-tiff-bathy", "kind": "raster", "files": ["bathy.tif"]}])
    msg = _publish_fails(batch, published)
    assert "bathy.tif" in msg and "cannot read" in msg
    assert msg.count("\n") == 0, msg


def test_raster_without_crs(tmp_path, published):
    write_bathy(tmp_path / "b" / "nocrs.tif", crs=None)
    batch = manifest(tmp_path / "b", "no-crs", [{"id": "no-crs-bathy", "kind": "raster", "files": ["*.tif"]}])
    msg = _publish_fails(batch, published)
    assert msg == "layer no-crs-bathy: nocrs.tif: raster has no CRS (coordinate reference system)"


def test_text_in_a_count_column_names_file_line_and_column(tmp_path, published):
    csv = tmp_path / "b" / "HF2012_annotations.csv"
    csv.parent.mkdir(parents=True)
    write_annotations(csv, n=25)
    lines = csv.read_text().splitlines()
    cells = lines[16].split(",")
    cells[9] = "abc"  # pentapora_foliacea on the 17th line of the file
    lines[16] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")
    batch = manifest(tmp_path / "b", "bad-csv", [{"id": "bad-csv-ann", "kind": "table", "files": [csv.name]}])
    msg = _publish_fails(batch, published)
    assert "HF2012_annotations.csv line 17, column 'pentapora_foliacea': 'abc' is not a non-negative integer" in msg


def test_table_problems_are_collected_in_one_message(tmp_path, published):
    csv = tmp_path / "b" / "t.csv"
    csv.parent.mkdir(parents=True)
    csv.write_text(
        "filename,id_image,latitude,longitude,area_seabed_m2,substratum,crab\n"
        "a.jpg,1,50.3,-8.1,7.3,rock,2\n"
        "b.jpg,1,95,-8.1,7.3,rock,-1\n"
        "c.jpg,3,50.3,-8.1,0,,1.5\n"
    )
    batch = manifest(tmp_path / "b", "bad-csv2", [{"id": "bad-csv2-ann", "kind": "table", "files": ["t.csv"]}])
    msg = _publish_fails(batch, published)
    assert msg.splitlines() == [
        "layer bad-csv2-ann: t.csv: 6 problem(s) in the table",
        "t.csv line 3, column 'id_image': '1' already used on line 2 (image ids must be unique)",
        "t.csv line 3, column 'latitude': '95' is out of range [-90, 90]",
        "t.csv line 3, column 'crab': '-1' is not a non-negative integer",
        "t.csv line 4, column 'area_seabed_m2': '0' must be positive",
        "t.csv line 4, column 'substratum': is empty",
        "t.csv line 4, column 'crab': '1.5' is not a non-negative integer",
    ]


def test_missing_required_column(tmp_path, published):
    csv = tmp_path / "b" / "t.csv"
    csv.parent.mkdir(parents=True)
    csv.write_text("filename,id_image,latitude,longitude,crab\na.jpg,1,50.3,-8.1,2\n")
    batch = manifest(tmp_path / "b", "bad-csv3", [{"id": "bad-csv3-ann", "kind": "table", "files": ["t.csv"]}])
    assert _publish_fails(batch, published) == "layer bad-csv3-ann: t.csv line 1: required column(s) missing: area_seabed_m2, substratum"


def test_empty_vector_file(tmp_path, published):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "empty.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    batch = manifest(tmp_path / "b", "empty-vec", [{"id": "empty-vec-hab", "kind": "vector", "files": ["empty.geojson"]}])
    msg = _publish_fails(batch, published)
    assert msg == "layer empty-vec-hab: empty.geojson: the vector file has no features"


def test_wrong_manifest_names_file_and_field(tmp_path, published):
    write_habitats(tmp_path / "b" / "h.gpkg")
    batch = manifest(tmp_path / "b", "bad-man", [{"id": "bad-man-hab", "kind": "vector", "files": ["h.gpkg"]}])
    m = yaml.safe_load((batch / "batch.yaml").read_text())
    m["depositor"] = "not-an-orcid"
    m["layers"][0]["kind"] = "polygons"
    m["acess"] = "public"
    (batch / "batch.yaml").write_text(yaml.safe_dump(m))
    msg = _publish_fails(batch, published, ManifestError)
    path = str(batch / "batch.yaml")
    assert f"{path}: field 'depositor'" in msg
    assert f"{path}: field 'layers.0.kind'" in msg
    assert f"{path}: field 'acess': Extra inputs are not permitted" in msg


def test_pattern_matching_no_file(tmp_path, published):
    batch = manifest(tmp_path / "b", "no-files", [{"id": "no-files-b", "kind": "raster", "files": ["bathy/*.tif"]}])
    msg = _publish_fails(batch, published)
    assert msg == f"{batch / 'batch.yaml'}: field 'layers.0.files.0': pattern 'bathy/*.tif' matches no file"


def test_cli_reports_one_error_and_exit_code_1(tmp_path, published):
    write_bathy(tmp_path / "b" / "nocrs.tif", crs=None)
    batch = manifest(tmp_path / "b", "no-crs", [{"id": "no-crs-bathy", "kind": "raster", "files": ["*.tif"]}])
    before = _snapshot(published)
    result = CliRunner().invoke(app, ["publish", str(batch), "--store", str(published)])
    assert result.exit_code == 1
    assert "nocrs.tif: raster has no CRS" in result.output
    assert "Traceback" not in result.output
    assert _snapshot(published) == before
    ok = CliRunner().invoke(app, ["validate", str(batch)])
    assert ok.exit_code == 1 and "nocrs.tif: raster has no CRS" in ok.output
