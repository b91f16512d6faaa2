"""The compose stack, run as local processes with exactly the commands and environment
docker-compose.yml gives each service (no Docker engine here).

docker-compose.yml is parsed and interpolated from a test ".env" (.env.example plus generated
secrets); each service's image ENV comes from its Dockerfile. Service host names map to 127.0.0.1
and container ports to free local ports; container paths (mounted secrets, tmpfs) map to test
folders. Then, against a real SeaweedFS and PostgreSQL: the migrate job, the dev profile's demo
catalogue job, the tiler, the backend replicas (in production mode) and nginx with the image's
template. If a port, a URL or a variable name were wrong in the compose file, this fails.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from e2e.stack import free_port

from . import compose
from .compose import ROOT
from .nginx import Nginx, make_dist
from .processes import VENV_BIN, Proc, base_env, http_get, work_dir
from .test_dockerfiles import instructions

pytestmark = [pytest.mark.s3, pytest.mark.postgres]

HOSTS = ("seaweedfs", "postgres", "backend", "tiler", "frontend", "oidc")
DOCKERFILES = {"backend": "backend/Dockerfile", "migrate": "backend/Dockerfile", "tiler": "tiler/Dockerfile",
               "catalog-demo": "catalog-builder/Dockerfile", "frontend": "frontend/Dockerfile",
               "oidc": "docs/deploy/oidc-provider-mock/Dockerfile"}
ADMIN = "admin@example.org"


def image_env(dockerfile: str) -> dict[str, str]:
    """ENV of the Dockerfile's last stage (what the running container inherits), PATH left out."""
    ins = instructions(ROOT / dockerfile)
    last = max(i for i, (w, _) in enumerate(ins) if w == "FROM")
    env: dict[str, str] = {}
    for word, args in ins[last:]:
        if word == "ENV":
            for key, value in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", args):
                if key != "PATH":
                    env[key] = value
    return env


@dataclass
class Mapper:
    """Container world -> this machine: host:port pairs and container paths."""

    ports: dict[tuple[str, int], int | str]  # a local port on 127.0.0.1, or "host:port"
    paths: dict[str, Path] = field(default_factory=dict)

    def hostports(self, text: str) -> str:
        def sub(m: re.Match) -> str:
            key = (m.group(1), int(m.group(2)))
            if key not in self.ports:
                raise KeyError(f"no local port for {key[0]}:{key[1]} in {text!r}")
            target = self.ports[key]
            return target if isinstance(target, str) else f"127.0.0.1:{target}"

        return re.sub(rf"\b({'|'.join(HOSTS)}):(\d+)\b", sub, text)

    def filesystem(self, text: str) -> str:
        """Container path prefixes -> local folders, in one pass (a mapped path is never re-mapped)."""
        if not self.paths:
            return text
        alternatives = "|".join(re.escape(p) for p in sorted(self.paths, key=len, reverse=True))
        return re.sub(rf"(?<![\w./-])({alternatives})(?=/|$|[\s\"'])", lambda m: str(self.paths[m.group(1)]), text)

    def __call__(self, text: str) -> str:
        return self.filesystem(self.hostports(text))


def service_process(name: str, svc: dict, mapper: Mapper, work: Path, replica: int = 1,
                    listen: dict[int, int] | None = None) -> Proc:
    """The service's entrypoint+command and environment, translated to this machine."""
    here = work / f"{name}-{replica}"
    paths = dict(mapper.paths)
    for mount in svc.get("tmpfs", []):
        paths[mount] = here / mount.strip("/").replace("/", "_")
        paths[mount].mkdir(parents=True, exist_ok=True)
    for vol in svc.get("volumes", []):
        src, dst = vol.split(":")[:2]
        if src.startswith((".", "/")):
            paths[dst] = (ROOT / src).resolve() if src.startswith(".") else Path(src)
    local = Mapper(mapper.ports, paths)

    argv = [local(a) for a in svc.get("entrypoint", []) + svc["command"]]
    for i, arg in enumerate(argv):
        if (VENV_BIN / arg).exists() and "/" not in arg:
            argv[i] = str(VENV_BIN / arg)
        if arg == "--host":
            argv[i + 1] = "127.0.0.1"
        if arg == "--port" and listen:
            argv[i + 1] = str(listen[int(argv[i + 1])])
    env = base_env(here / "home")
    env.update({k: local(v) for k, v in image_env(DOCKERFILES[name]).items()})
    env.update({k: local(v) for k, v in compose.environment(svc).items()})
    return Proc(f"{name}-{replica}", argv, env, here / "out.log", cwd=here)


@dataclass
class Stack:
    cfg: dict
    env: dict[str, str]
    jobs: dict[str, Proc]
    backends: list[Proc]
    backend_urls: list[str]
    tiler: Proc
    tiler_url: str
    nginx: Nginx
    bucket: str
    oidc_url: str


def ed25519_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@pytest.fixture(scope="module")
def stack(seaweedfs, postgres_url, stack_dirs) -> Iterator[Stack]:
    work = stack_dirs.enter_context(work_dir("compose"))
    secrets_dir = work / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "jwt-signing-key.pem").write_bytes(ed25519_pem())
    pg = urlparse(postgres_url)
    nginx_port = free_port()
    bucket = f"mpa-compose-{secrets.token_hex(4)}"

    # The operator's .env: the committed example with its secrets filled in.
    env = compose.read_env_file()
    env.update({
        "AWS_ACCESS_KEY_ID": seaweedfs.access_key, "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_key,
        "MPA_CATALOG_URL": f"s3://{bucket}/catalogue",
        "POSTGRES_USER": pg.username, "POSTGRES_DB": pg.path.lstrip("/"), "POSTGRES_PASSWORD": "unused-trust-auth",
        "MPA_BACKEND_SESSION_SECRET": secrets.token_urlsafe(48),
        "MPA_SECRETS_DIR": str(secrets_dir),
        "MPA_PUBLIC_URL": f"http://127.0.0.1:{nginx_port}", "MPA_HTTP_PORT": str(nginx_port),
        "MPA_DEMO_SIZE": "64",  # bathymetry cells per side: the whole demo, small enough for a test
        # the dev profile's sign-in, as .env.example shows it, and one admin
        "MPA_BACKEND_OIDC_PROVIDERS": next(
            line.split("=", 1)[1] for line in compose.ENV_EXAMPLE.read_text().splitlines()
            if line.startswith("# MPA_BACKEND_OIDC_PROVIDERS=")),
        "MPA_BACKEND_ADMINS": json.dumps([ADMIN]),
    })
    assert env["MPA_BACKEND_ENV"] == "production", "the example configures production; so does this test"
    cfg = compose.load(env)
    services = cfg["services"]
    replicas = int(services["backend"]["deploy"]["replicas"])
    backend_ports = [free_port() for _ in range(replicas)]
    tiler_port, oidc_port = free_port(), free_port()
    mapper = Mapper({
        ("oidc", 8002): oidc_port,
        ("seaweedfs", 8333): int(seaweedfs.endpoint_url.rsplit(":", 1)[1]),
        ("postgres", 5432): f"{pg.hostname}:{pg.port or 5432}",  # tests/fixtures/postgres.py's server
        ("backend", 8000): backend_ports[0],  # Docker's DNS would spread over replicas; nginx takes one here
        ("tiler", 8001): tiler_port,
        ("frontend", 8080): nginx_port,
    })

    started: list = []
    try:
        jobs = {}
        for name, timeout_s in (("migrate", 120), ("catalog-demo", 420)):
            job = service_process(name, services[name], mapper, work)
            jobs[name] = job
            code = job.run(timeout_s)
            assert code == 0, f"{name} exited {code}:\n{job.tail()}"

        oidc = service_process("oidc", services["oidc"], mapper, work, listen={8002: oidc_port})
        started.append(oidc.start(f"http://127.0.0.1:{oidc_port}/.well-known/openid-configuration"))
        tiler = service_process("tiler", services["tiler"], mapper, work, listen={8001: tiler_port})
        backends = [service_process("backend", services["backend"], mapper, work, replica=i + 1,
                                    listen={8000: port}) for i, port in enumerate(backend_ports)]
        for proc, port in zip(backends, backend_ports, strict=True):
            started.append(proc.start(f"http://127.0.0.1:{port}/readyz"))
        started.append(tiler.start(f"http://127.0.0.1:{tiler_port}/readyz"))

        front_env = {k: mapper(v) for k, v in compose.environment(services["frontend"]).items()}
        front_env["MPA_NGINX_PORT"] = str(nginx_port)  # the published side of "${MPA_HTTP_PORT}:8080"
        nginx = Nginx(work / "nginx", make_dist(work / "dist"), front_env)
        started.append(nginx.start())
        yield Stack(cfg, env, jobs, backends, [f"http://127.0.0.1:{p}" for p in backend_ports], tiler,
                    f"http://127.0.0.1:{tiler_port}", nginx, bucket, f"http://127.0.0.1:{oidc_port}")
    finally:
        for proc in reversed(started):
            proc.stop()


def test_jobs_migrated_the_database_and_published_the_demo(stack: Stack, seaweedfs) -> None:
    s3 = seaweedfs.client()
    root = json.loads(s3.get_object(Bucket=stack.bucket, Key="catalogue/catalog.json")["Body"].read())
    assert root["type"] == "Catalog" and any(link["rel"] == "child" for link in root["links"])
    import psycopg

    assert "MPA_BACKEND_DATABASE_URL" not in stack.env, ".env.example leaves the database URL to the compose default"
    derived = stack.backends[0].env["MPA_BACKEND_DATABASE_URL"]
    assert derived.startswith(f"postgresql+psycopg://{stack.env['POSTGRES_USER']}:unused-trust-auth@")
    assert derived.endswith(f"/{stack.env['POSTGRES_DB']}") and "@postgres:" not in derived
    pg = urlparse(derived.replace("postgresql+psycopg", "postgresql"))
    with psycopg.connect(host=pg.hostname, port=pg.port, user=pg.username, dbname=pg.path.lstrip("/")) as conn:
        assert conn.execute("select version_num from alembic_version").fetchone()[0]


def test_every_backend_replica_is_ready_and_serves_the_published_demo(stack: Stack) -> None:
    jwks = []
    for url in stack.backend_urls:
        status, _, body = http_get(url + "/readyz")
        ready = json.loads(body)
        assert status == 200 and ready["status"] == "ok" and ready["collections"] >= 6, ready
        jwks.append(json.loads(http_get(url + "/api/.well-known/jwks.json")[2]))
    # replicas sign with the same mounted key: a token from one verifies against any other's JWKS
    assert all(j == jwks[0] for j in jwks) and jwks[0]["keys"]

    status, headers, body = http_get(stack.nginx.url + "/api/collections", **{"X-Request-ID": "compose-1"})
    ids = {c["id"] for c in json.loads(body)}
    assert status == 200 and {"hf-bathymetry", "hf-habitats", "hf2012-annotations"} <= ids, ids
    assert headers["x-request-id"] == "compose-1"
    logged = stack.backends[0].wait_log(lambda x: x.get("request_id") == "compose-1")  # nginx: backend:8000
    assert logged["service"] == "backend" and logged["route"] == "/api/collections"


def test_tiler_is_ready_and_renders_a_layer_through_the_front_door(stack: Stack) -> None:
    status, _, body = http_get(stack.tiler_url + "/readyz")
    assert status == 200, body
    status, _, body = http_get(stack.nginx.url + "/api/layers")
    layers = {layer["id"]: layer for layer in json.loads(body)}
    bathy = layers["hf-bathymetry"]
    assert bathy["type"] == "raster" and bathy["tiles"], bathy
    import morecantile

    west, south, east, north = bathy["bbox"]
    z = max(bathy["minzoom"], 10)
    tile = morecantile.tms.get("WebMercatorQuad").tile((west + east) / 2, (south + north) / 2, z)
    template = bathy["tiles"][0]
    url = template.replace("{z}", str(z)).replace("{x}", str(tile.x)).replace("{y}", str(tile.y))
    url = url if url.startswith("http") else stack.nginx.url + url
    status, headers, png = http_get(url)
    assert status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n", png[:300]
    assert headers["cache-control"].startswith("public, max-age=")
    from io import BytesIO

    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(BytesIO(png)).convert("RGBA"))
    assert (pixels[..., 3] > 0).mean() > 0.5, "the tile shows the bathymetry, not an empty square"
    assert len(np.unique(pixels[..., :3].reshape(-1, 3), axis=0)) > 10, "a colour ramp, not one flat colour"


def test_restricted_layers_stay_closed_without_a_token(stack: Stack) -> None:
    _, _, body = http_get(stack.nginx.url + "/api/collections")
    restricted = [c for c in json.loads(body) if c["access"] == "restricted"]
    assert restricted, "the demo has restricted collections"
    _, _, body = http_get(stack.nginx.url + "/api/layers")
    for layer in json.loads(body):
        if layer["access"] == "restricted":
            assert layer["locked"] is True


def test_metrics_are_scraped_from_each_replica(stack: Stack) -> None:
    status, headers, body = http_get(stack.backend_urls[-1] + "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert b'mpa_http_requests_total{method="GET",route="/readyz",service="backend",status="200"}' in body


def test_sign_in_through_the_front_door_opens_restricted_tiles(stack: Stack) -> None:
    """The dev profile's provider, the session shared by the replicas, and the backend's token
    verified by the tiler through the JWKS: every URL and name of the access chain in the compose file."""
    import httpx

    httpx.put(f"{stack.oidc_url}/users/admin-1", json={"email": ADMIN, "name": "Ada Admin"}, timeout=10).raise_for_status()
    with httpx.Client(base_url=stack.nginx.url, follow_redirects=True, timeout=60) as browser:
        form = browser.get("/api/auth/login/local", params={"next": "/api/me"})
        assert form.status_code == 200 and str(form.url).startswith(stack.oidc_url), form.text[:500]
        me = browser.post(str(form.url), data={"sub": "admin-1"})
        assert me.status_code == 200 and me.url.path == "/api/me", me.text[:500]
        assert ADMIN in me.text
        # the session cookie is valid on the other replica too (shared session secret)
        other = httpx.get(stack.backend_urls[-1] + "/api/me", cookies=browser.cookies, timeout=30)
        assert other.status_code == 200 and ADMIN in other.text

        layers = {layer["id"]: layer for layer in browser.get("/api/layers").json()}
        restricted = [lyr for lyr in layers.values() if lyr["access"] == "restricted" and lyr["type"] == "raster"]
        assert restricted and not restricted[0]["locked"], "an admin sees restricted layers unlocked"
        layer = restricted[0]
        token = browser.get("/api/token").json()
        token = token.get("access_token") or token.get("token")
        assert token

    import morecantile

    west, south, east, north = layer["bbox"]
    z = max(layer["minzoom"], 12)
    tile = morecantile.tms.get("WebMercatorQuad").tile((west + east) / 2, (south + north) / 2, z)
    url = layer["tiles"][0].replace("{z}", str(z)).replace("{x}", str(tile.x)).replace("{y}", str(tile.y))
    url = url if url.startswith("http") else stack.nginx.url + url
    url = url.split("access_token=")[0].rstrip("?&")
    status, _, _ = http_get(url)
    assert status in (401, 403), "no token, no restricted tile"
    status, headers, png = http_get(url, Authorization=f"Bearer {token}")
    assert status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n", png[:300]
    assert headers["cache-control"].startswith("private")
