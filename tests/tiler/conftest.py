"""Fixtures of the tiler suite: a test catalogue (disk and real SeaweedFS S3), signing keys with a
JWKS served over HTTP, token factory, in-process clients and a real uvicorn server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fastapi.testclient import TestClient

from e2e.stack import free_port
from mpa_tiler.main import create_app
from mpa_tiler.settings import Settings
from tests.tiler.catalog_factory import Published, build_catalogue

ISSUER = "http://backend.test/api"


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory) -> Published:
    base = tmp_path_factory.mktemp("tiler-catalogue")
    return build_catalogue(base / "store", base / "work")


@pytest.fixture(scope="session")
def signing_keys() -> dict:
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ed": ed25519.Ed25519PrivateKey.generate(),
        "other_rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),  # not in the JWKS
    }


def _jwk(public_key, kid: str, alg: str) -> dict:
    algo = jwt.algorithms.RSAAlgorithm if alg.startswith("RS") else jwt.algorithms.OKPAlgorithm
    jwk = json.loads(algo.to_jwk(public_key))
    jwk.update(kid=kid, alg=alg, use="sig")
    return jwk


@pytest.fixture(scope="session")
def jwks_url(signing_keys):
    """A tiny HTTP server publishing the public keys, like the backend's /api/.well-known/jwks.json."""
    body = json.dumps({"keys": [_jwk(signing_keys["rsa"].public_key(), "rsa-1", "RS256"),
                                _jwk(signing_keys["ed"].public_key(), "ed-1", "EdDSA")]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/.well-known/jwks.json"
    server.shutdown()


@pytest.fixture(scope="session")
def make_token(signing_keys):
    def make(collections=("hf2012-bathymetry-restricted",), *, key="rsa", kid=None, alg=None, aud="mpa-tiler",
             iss=ISSUER, exp_in=600, **extra) -> str:
        alg = alg or ("EdDSA" if key == "ed" else "RS256")
        kid = kid or {"rsa": "rsa-1", "ed": "ed-1", "other_rsa": "rsa-1"}[key]
        claims = {"sub": "0000-0002-1825-0097", "aud": aud, "iss": iss, "iat": int(time.time()),
                  "exp": int(time.time()) + exp_in, "collections": list(collections), **extra}
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, signing_keys[key], algorithm=alg, headers={"kid": kid})

    return make


@pytest.fixture(scope="session")
def settings(catalogue, jwks_url, tmp_path_factory) -> Settings:
    return Settings(catalog_url=f"file://{catalogue.root}", jwks_url=jwks_url, token_issuer=ISSUER,
                    cache_dir=tmp_path_factory.mktemp("tiler-cache"), catalog_ttl=0.5,
                    cors_origins=["http://frontend.test"])


@pytest.fixture(scope="session")
def client(settings) -> TestClient:
    return TestClient(create_app(settings))


def upload_tree(client, local: Path, bucket: str, prefix: str) -> None:
    for path in sorted(local.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}{path.relative_to(local).as_posix()}")


@pytest.fixture(scope="session")
def s3_settings(seaweedfs, catalogue, jwks_url, tmp_path_factory) -> Settings:
    """The test catalogue copied into a bucket of the shared SeaweedFS (tests/fixtures/seaweedfs.py)."""
    bucket = seaweedfs.make_bucket("tiler")
    upload_tree(seaweedfs.client(), catalogue.root, bucket, "published/")
    return Settings(catalog_url=f"s3://{bucket}/published", aws_endpoint_url=seaweedfs.endpoint_url,
                    aws_access_key_id=seaweedfs.access_key, aws_secret_access_key=seaweedfs.secret_key,
                    aws_region="us-east-1", jwks_url=jwks_url, token_issuer=ISSUER,
                    cache_dir=tmp_path_factory.mktemp("tiler-s3-cache"))


@pytest.fixture(scope="session")
def s3_client(s3_settings) -> TestClient:
    return TestClient(create_app(s3_settings))


@pytest.fixture(scope="session")
def tiler_server(settings, tmp_path_factory):
    """The tiler as deployed: ``uvicorn mpa_tiler.main:app`` configured from the environment."""
    port = free_port()
    env = {**os.environ, "MPA_CATALOG_URL": settings.catalog_url, "MPA_TILER_JWKS_URL": settings.jwks_url,
           "MPA_TILER_TOKEN_ISSUER": ISSUER, "MPA_TILER_CACHE_DIR": str(tmp_path_factory.mktemp("srv-cache"))}
    log = open(tmp_path_factory.mktemp("srv-log") / "uvicorn.log", "wb")  # noqa: SIM115 - lives with the server
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "mpa_tiler.main:app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"uvicorn exited: {Path(log.name).read_text()[-2000:]}"
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # poll interval
    else:
        proc.terminate()
        raise RuntimeError("tiler did not become ready")
    yield url
    proc.terminate()
    proc.wait(timeout=15)
