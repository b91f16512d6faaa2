"""Shared helpers for the access suites (no tests here): a small published catalogue with a
restricted sidescan and a restricted annotation table, a real backend process, and sign-in
through the real local OIDC provider.

The catalogue follows docs/architecture.md (content-addressed collections and assets, a
`restricted/` prefix for restricted data, relative links) but is tiny, so these suites stay fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from e2e.stack import stop_process
from tests.fixtures.oidc import OIDCProvider, free_port, wait_http

DEPOSITOR = "0000-0002-1825-0097"
CLIENT_ID = "mpa-twin-test"
VENV_BIN = Path(sys.executable).parent


def valid_orcid(rng: random.Random | None = None) -> str:
    """A random ORCiD iD with a correct ISO 7064 check digit (so tests never collide)."""
    rng = rng or random.Random()
    base = "".join(str(rng.randrange(10)) for _ in range(15))
    total = 0
    for ch in base:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    digits = base + ("X" if check == 10 else str(check))
    return "-".join(digits[i:i + 4] for i in range(0, 16, 4))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_asset(root: Path, prefix: str, data: bytes, ext: str) -> tuple[Path, str]:
    digest = _sha(data)
    rel = Path(prefix) / "assets" / digest[:2] / f"{digest}.{ext}"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(data)
    return root / rel, digest


def _geotiff(value: float, west: float, south: float) -> bytes:
    from rasterio.io import MemoryFile
    from rasterio.transform import from_origin

    arr = np.full((64, 64), value, dtype="float32") + np.arange(64, dtype="float32")[None, :] / 10
    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=64, height=64, count=1, dtype="float32", crs="EPSG:4326",
                      transform=from_origin(west, south + 0.02, 0.02 / 64, 0.02 / 64)) as dst:
            dst.write(arr, 1)
        return mem.read()


def _png(shade: int) -> bytes:
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (16, 16), (shade, 80, 160)).save(buf, format="PNG")
    return buf.getvalue()


def _parquet(n: int) -> bytes:
    from io import BytesIO

    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "filename": [f"img{i:03d}.jpg" for i in range(n)], "id_image": [f"img{i:03d}" for i in range(n)],
        "datetime": pd.date_range("2012-08-15", periods=n, freq="min", tz="UTC").astype(str),
        "latitude": 50.3 + rng.random(n) / 100, "longitude": -8.1 + rng.random(n) / 100,
        "depth_m": -90.0 - rng.random(n), "area_seabed_m2": np.full(n, 7.3),
        "substratum": ["rock" if i % 2 else "sand" for i in range(n)], "habitat": ["A4.1"] * n,
        "taxon_a": rng.integers(0, 5, n), "taxon_b": rng.integers(0, 3, n),
    })
    buf = BytesIO()
    frame.to_parquet(buf)
    return buf.getvalue()


COLLECTIONS: list[dict[str, Any]] = [
    {"id": "hf-bathymetry", "access": "public", "kind": "raster", "theme": "bathymetry", "items": 2},
    {"id": "hf-sidescan", "access": "restricted", "kind": "raster", "theme": "sidescan", "items": 3},
    {"id": "hf-annotations", "access": "restricted", "kind": "table", "theme": "species", "items": 1},
]


@dataclass
class MiniCatalog:
    root: Path
    url: str
    items: dict[str, list[str]] = field(default_factory=dict)
    files: dict[tuple[str, str, str], Path] = field(default_factory=dict)  # (collection, item, asset) -> file


def write_mini_catalog(root: Path) -> MiniCatalog:
    root.mkdir(parents=True, exist_ok=True)
    cat = MiniCatalog(root, "file://" + str(root))
    root_links = [{"rel": "root", "href": "./catalog.json", "type": "application/json"}]
    for n, spec in enumerate(COLLECTIONS):
        cid, restricted = spec["id"], spec["access"] == "restricted"
        prefix = "restricted" if restricted else "."
        items, boxes = [], []
        for i in range(spec["items"]):
            iid = f"{cid}-{i:02d}"
            west, south = -8.2 + 0.03 * i + 0.1 * n, 50.2 + 0.03 * i
            bbox = [west, south, west + 0.02, south + 0.02]
            dt = f"{2012 + n * 3}-08-{15 + i:02d}T12:00:00Z"
            assets: dict[str, dict[str, Any]] = {}
            if spec["kind"] == "raster":
                tif, dig = _write_asset(root, prefix, _geotiff(-100.0 - i - n, west, south), "tif")
                png, pdig = _write_asset(root, prefix, _png(40 * i + 20 * n), "png")
                assets["data"] = {"href": None, "path": tif, "sha": dig,
                                  "type": "image/tiff; application=geotiff; profile=cloud-optimized", "roles": ["data"]}
                assets["thumbnail"] = {"href": None, "path": png, "sha": pdig, "type": "image/png", "roles": ["thumbnail"]}
            else:
                pq, dig = _write_asset(root, prefix, _parquet(40), "parquet")
                assets["data"] = {"href": None, "path": pq, "sha": dig, "type": "application/vnd.apache.parquet",
                                  "roles": ["data"]}
            items.append((iid, bbox, dt, assets))
            boxes.append(bbox)
        coll_doc = {
            "type": "Collection", "stac_version": "1.0.0", "id": cid, "title": cid.replace("-", " ").title(),
            "description": f"Test collection {cid}", "license": "CC-BY-4.0",
            "extent": {"spatial": {"bbox": [[min(b[0] for b in boxes), min(b[1] for b in boxes),
                                              max(b[2] for b in boxes), max(b[3] for b in boxes)]]},
                       "temporal": {"interval": [[items[0][2], items[-1][2]]]}},
            "mpa:access": spec["access"], "mpa:depositor": DEPOSITOR, "mpa:kind": spec["kind"],
            "mpa:theme": spec["theme"], "mpa:survey": "hf-test",
            "links": [{"rel": "root", "href": "../../../catalog.json"}, {"rel": "parent", "href": "../../../catalog.json"}],
        }
        if spec["kind"] == "table":
            coll_doc["mpa:taxa"] = ["taxon_a", "taxon_b"]
        coll_hash = _sha(json.dumps([cid, [it[0] for it in items]]).encode())[:16]
        cdir = root / "collections" / cid / coll_hash
        (cdir / "items").mkdir(parents=True, exist_ok=True)
        cat.items[cid] = []
        for iid, bbox, dt, assets in items:
            stac_assets = {}
            for key, a in assets.items():
                rel = os.path.relpath(a["path"], cdir / "items")
                stac_assets[key] = {"href": rel, "type": a["type"], "roles": a["roles"],
                                    "file:checksum": "1220" + a["sha"], "file:size": a["path"].stat().st_size}
                cat.files[(cid, iid, key)] = a["path"]
            w, s, e, nn = bbox
            item = {
                "type": "Feature", "stac_version": "1.0.0", "id": iid, "collection": cid, "bbox": bbox,
                "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, nn], [w, nn], [w, s]]]},
                "properties": {"datetime": dt}, "assets": stac_assets,
                "links": [{"rel": "collection", "href": "../collection.json"}, {"rel": "root", "href": "../../../../catalog.json"}],
            }
            (cdir / "items" / f"{iid}.json").write_text(json.dumps(item))
            coll_doc["links"].append({"rel": "item", "href": f"./items/{iid}.json", "type": "application/geo+json"})
            cat.items[cid].append(iid)
        (cdir / "collection.json").write_text(json.dumps(coll_doc))
        root_links.append({"rel": "child", "href": f"./collections/{cid}/{coll_hash}/collection.json",
                           "type": "application/json"})
    (root / "catalog.json").write_text(json.dumps({
        "type": "Catalog", "stac_version": "1.0.0", "id": "mpa-twin-test", "description": "access tests",
        "mpa:version": 1, "links": root_links,
    }))
    return cat


def write_keys(directory: Path, count: int = 2) -> list[Path]:
    """RSA keys as PEM files, newest first (the rotation order MPA_BACKEND_SIGNING_KEYS expects)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from mpa_backend.auth.keys import pem_of

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        p = directory / f"signing-{i}.pem"
        p.write_text(pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
        p.chmod(0o600)
        paths.append(p)
    return paths


@dataclass
class Backend:
    url: str
    database_url: str
    key_files: list[Path]
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        stop_process(self.proc)


def start_backend(tmp: Path, catalog_url: str, database_url: str, oidc: OIDCProvider,
                  **extra_env: str) -> Backend:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    keys = write_keys(tmp / "keys")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPA_")}
    env.update(
        MPA_CATALOG_URL=catalog_url, MPA_BACKEND_DATABASE_URL=database_url, MPA_BACKEND_PUBLIC_URL=url,
        MPA_BACKEND_CATALOG_TTL_S="1", MPA_BACKEND_CACHE_DIR=str(tmp / "cache"),
        MPA_BACKEND_SIGNING_KEYS=json.dumps([str(p) for p in keys]),
        MPA_BACKEND_SESSION_SECRET="test-session-secret-" + os.urandom(16).hex(),
        MPA_BACKEND_ORCID_CLIENT_ID=CLIENT_ID, MPA_BACKEND_ORCID_CLIENT_SECRET="orcid-secret",
        MPA_BACKEND_ORCID_ISSUER=oidc.url,
        MPA_BACKEND_MICROSOFT_CLIENT_ID=CLIENT_ID + "-ms", MPA_BACKEND_MICROSOFT_CLIENT_SECRET="ms-secret",
        MPA_BACKEND_MICROSOFT_ISSUER=oidc.url,
    )
    env.update(extra_env)
    log = tmp / f"backend-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(VENV_BIN / "uvicorn"), "mpa_backend.main:app", "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    try:
        wait_http(f"{url}/readyz", 60, proc)
    except Exception as exc:
        proc.kill()
        raise RuntimeError(f"backend failed to start: {exc}\n{log.read_text()[-3000:]}") from exc
    return Backend(url, database_url, keys, proc, log)


def sign_in(backend: Backend, oidc: OIDCProvider, sub: str, provider: str = "orcid", **claims: Any) -> httpx.Client:
    """Browser-like sign-in: login redirect → provider form → submit → callback → session cookie."""
    oidc.set_user(sub, **claims)
    client = httpx.Client(base_url=backend.url, follow_redirects=True, timeout=30)
    form = client.get(f"/api/auth/login/{provider}", params={"next": "/api/me"})
    assert form.status_code == 200 and form.url.port == int(oidc.url.rsplit(":", 1)[1]), form.text
    assert "nonce=" in str(form.url), "the authorisation request carries a nonce"
    me = client.post(str(form.url), data={"sub": sub})
    assert me.status_code == 200, me.text
    assert me.url.path == "/api/me"
    return client
