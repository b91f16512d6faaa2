"""Vector layers also get a PMTiles copy of their MBTiles: the same tiles, readable by range requests.

The published .pmtiles is read back with protomaps' own reader (pmtiles.reader) and compared,
tile by tile, with the MBTiles read through sqlite3, so a wrong y flip, a lost zoom level or a
header that disagrees with the tiles fails here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
from pathlib import Path

import pystac
import pytest
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType

from mpa_builder.pipeline import publish_batches
from mpa_builder.stac_check import check_store, offline_validation
from mpa_builder.store import Store
from tests.builder.batches import manifest, write_habitats

SURVEY = "hf2013-habmap"
LAYER = f"{SURVEY}-habitats"


@pytest.fixture(scope="module")
def vector_batch(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("batches") / SURVEY
    write_habitats(folder / "habitats.gpkg")
    return manifest(folder, SURVEY, [{"id": LAYER, "kind": "vector", "files": ["habitats.gpkg"]}])


@pytest.fixture(scope="module")
def store(vector_batch, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("store")
    assert publish_batches([vector_batch], Store(str(root))).version == 1
    return root


@pytest.fixture(scope="module")
def published(store) -> tuple[dict, dict, Path, Path]:
    """(collection, item, MBTiles path, PMTiles path) of the one vector layer, found by links like a reader."""
    root = json.loads((store / "catalog.json").read_text())
    [link] = [li for li in root["links"] if li["rel"] == "child"]
    coll_path = store / link["href"]
    coll = json.loads(coll_path.read_text())
    [item_path] = sorted((coll_path.parent / "items").glob("*.json"))
    item = json.loads(item_path.read_text())
    mbt, pmt = ((item_path.parent / item["assets"][k]["href"]).resolve() for k in ("mvt", "pmtiles"))
    return coll, item, mbt, pmt


def _mbtiles(path: Path) -> tuple[dict[str, str], dict[tuple[int, int, int], bytes]]:
    """Metadata and tiles by XYZ (z, x, y): MBTiles rows count from the south (TMS), so y is flipped."""
    with sqlite3.connect(path) as con:
        meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
        tiles = {(z, x, (1 << z) - 1 - row): data
                 for z, x, row, data in con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")}
    return meta, tiles


def _gunzip(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def test_pmtiles_asset_is_described_like_the_others(published, store):
    coll, item, _, pmt = published
    asset = item["assets"]["pmtiles"]
    assert asset["type"] == "application/vnd.pmtiles"
    assert asset["roles"] == ["data", "tiles"] and asset["title"] == "Vector tiles (PMTiles)"
    raw = pmt.read_bytes()
    assert asset["file:checksum"] == "1220" + hashlib.sha256(raw).hexdigest() and asset["file:size"] == len(raw)
    assert raw[:7] == b"PMTiles" and raw[7] == 3
    assert pmt.relative_to(store).parts[0] == "assets" and pmt.suffix == ".pmtiles"
    assert set(item["assets"]) == {"mvt", "geojson", "pmtiles"}
    assert coll["item_assets"]["pmtiles"] == {"type": "application/vnd.pmtiles", "roles": ["data", "tiles"],
                                              "title": "Vector tiles (PMTiles)"}
    assert coll["item_assets"]["mvt"]["type"] == "application/vnd.mapbox-vector-tile+sqlite3"


def test_catalogue_with_pmtiles_still_validates(store):
    assert check_store(Store(str(store)), checksums=True) == []
    with offline_validation():
        assert pystac.Catalog.from_file(str(store / "catalog.json")).validate_all() == 1


def test_header_agrees_with_the_mbtiles_metadata(published):
    _, item, mbt, pmt = published
    meta, tiles = _mbtiles(mbt)
    with open(pmt, "rb") as f:
        reader = Reader(MmapSource(f))
        header, pm_meta = reader.header(), reader.metadata()
    assert (header["min_zoom"], header["max_zoom"]) == (int(meta["minzoom"]), int(meta["maxzoom"])) == (4, 14)
    assert (item["properties"]["mpa:minzoom"], item["properties"]["mpa:maxzoom"]) == (4, 14)
    bounds = [float(v) for v in meta["bounds"].split(",")]
    got = [header[k] / 1e7 for k in ("min_lon_e7", "min_lat_e7", "max_lon_e7", "max_lat_e7")]
    assert got == pytest.approx(bounds, abs=2e-7)
    assert header["tile_type"] == TileType.MVT and header["tile_compression"] == Compression.GZIP
    assert header["addressed_tiles_count"] == len(tiles)
    # the PMTiles spec wants vector_layers at the top level (MBTiles keeps them in its json row)
    assert pm_meta["vector_layers"] == json.loads(meta["json"])["vector_layers"] == item["properties"]["mpa:vector_layers"]
    assert pm_meta["vector_layers"][0]["id"] == LAYER


def test_every_mbtiles_tile_reads_the_same_from_the_pmtiles(published):
    _, _, mbt, pmt = published
    _, tiles = _mbtiles(mbt)
    assert {z for z, _, _ in tiles} == set(range(4, 15))
    with open(pmt, "rb") as f:
        reader = Reader(MmapSource(f))
        for (z, x, y), data in tiles.items():
            got = reader.get(z, x, y)
            assert got is not None, (z, x, y)
            assert _gunzip(got) == _gunzip(data), (z, x, y)
            assert LAYER.encode() in _gunzip(got)  # an MVT layer named after the collection
        # the y flip matters: at z14 the TMS row of a tile is another (empty) place
        z, x, y = max(tiles)
        assert (z, x, (1 << z) - 1 - y) not in tiles and reader.get(z, x, (1 << z) - 1 - y) is None


def test_publishing_the_vector_batch_again_is_a_no_op(vector_batch, store):
    before = {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()}
    again = publish_batches([vector_batch], Store(str(store)))
    assert again.version == 1 and again.published == [] and again.unchanged == [SURVEY]
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()} == before
