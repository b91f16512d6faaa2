"""The observability modules of backend and tiler: request ids, one JSON line per request, metrics."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse, StreamingResponse

from mpa_backend import observability as backend_obs
from mpa_tiler import observability as tiler_obs

MODULES = [backend_obs, tiler_obs]


def make_app(obs) -> FastAPI:
    app = FastAPI()
    log = logging.getLogger("mpa.test.endpoint")

    @app.get("/api/items/{item_id}")
    def item(item_id: str) -> dict:
        log.info("looked up", extra={"item_id": item_id})
        return {"id": item_id}

    @app.get("/readyz")
    def readyz(fail: bool = False):
        return JSONResponse({"ok": not fail}, status_code=503 if fail else 200)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter([b"a" * 10, b"b" * 5]), media_type="text/plain")

    obs.install(app, service=obs.__name__.split(".")[0])
    return app


@pytest.fixture
def log_lines(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """What the services log while the test runs, formatted by the module's own JSON formatter."""
    obs = request.node.callspec.params.get("obs", backend_obs) if hasattr(request.node, "callspec") else backend_obs
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(lambda record: record.name.startswith("mpa"))  # not the test client's own log
    handler.setFormatter(obs.JsonFormatter("test"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield buf
    finally:
        root.removeHandler(handler)


def records(buf: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def call(app: FastAPI, path: str, **headers: str) -> httpx.Response:
    """One request through the ASGI stack (no server: the middleware is pure ASGI logic)."""
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(go())


@pytest.mark.parametrize("obs", MODULES, ids=["backend", "tiler"])
def test_request_id_is_kept_or_made_and_follows_the_logs(obs, log_lines) -> None:
    app = make_app(obs)
    r = call(app, "/api/items/hf-7?access_token=SECRET", **{"X-Request-ID": "req-42.a"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "req-42.a"
    recs = records(log_lines)
    inner = next(x for x in recs if x["msg"] == "looked up")
    assert inner["request_id"] == "req-42.a" and inner["item_id"] == "hf-7"
    access = next(x for x in recs if x["msg"] == "request")
    assert access["request_id"] == "req-42.a"
    assert access["route"] == "/api/items/{item_id}" and access["path"] == "/api/items/hf-7"
    assert access["status"] == 200 and access["method"] == "GET" and access["duration_ms"] >= 0
    assert "SECRET" not in log_lines.getvalue(), "query strings (tokens) must never be logged"

    # a malformed id (header injection, too long) is replaced, not echoed
    r2 = call(app, "/api/items/x", **{"X-Request-ID": "bad id\twith tab"})
    made = r2.headers["x-request-id"]
    assert made != "bad id\twith tab" and len(made) == 32 and int(made, 16) >= 0
    r3 = call(app, "/api/items/x")
    assert r3.headers["x-request-id"] not in (made, "req-42.a")


@pytest.mark.parametrize("obs", MODULES, ids=["backend", "tiler"])
def test_probes_are_quiet_unless_they_fail(obs, log_lines) -> None:
    logging.getLogger().setLevel(logging.INFO)
    app = make_app(obs)
    assert (call(app, "/healthz")).status_code == 200
    assert (call(app, "/readyz?fail=true")).status_code == 503
    access = [x for x in records(log_lines) if x["msg"] == "request"]
    assert [(x["path"], x["status"], x["level"]) for x in access] == [("/readyz", 503, "error")]


@pytest.mark.parametrize("obs", MODULES, ids=["backend", "tiler"])
def test_streamed_bodies_are_counted(obs, log_lines) -> None:
    r = call(make_app(obs), "/stream")
    assert r.text == "a" * 10 + "b" * 5 and "x-request-id" in r.headers
    access = next(x for x in records(log_lines) if x["msg"] == "request")
    assert access["bytes"] == 15 and access["route"] == "/stream"


def test_backend_metrics_count_by_route_template() -> None:
    app = make_app(backend_obs)
    for item in ("a", "b", "c"):
        call(app, f"/api/items/{item}")
    call(app, "/no/such/path")
    text = (call(app, "/metrics")).text
    assert 'mpa_http_requests_total{method="GET",route="/api/items/{item_id}",service="mpa_backend",status="200"} 3.0' in text
    assert 'route="unmatched",service="mpa_backend",status="404"} 1.0' in text
    assert "/api/items/a" not in text, "raw paths would explode the label cardinality"
    assert 'mpa_http_request_duration_seconds_count{method="GET",route="/api/items/{item_id}",service="mpa_backend"} 3.0' in text
    assert "process_cpu_seconds_total" in text


def test_formatter_writes_exceptions_and_extras_as_json() -> None:
    fmt = backend_obs.JsonFormatter("svc")
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        rec = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info())
    rec.collection = "hf2012-bathymetry"
    doc = json.loads(fmt.format(rec))
    assert doc["msg"] == "failed here" and doc["level"] == "error" and doc["service"] == "svc"
    assert doc["collection"] == "hf2012-bathymetry" and "ValueError: boom" in doc["exc"]
    assert doc["ts"].endswith("+00:00")


@pytest.mark.parametrize(("level", "heard"), [("info", False), ("debug", True)])
def test_tiler_quiets_per_tile_library_info_lines(level: str, heard: bool) -> None:
    """titiler logs 'opening data with reader' at INFO for every tile: one line too many per request."""
    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    try:
        tiler_obs.configure_logging("tiler", level=level, stream=io.StringIO())
        for name in tiler_obs.CHATTY_LOGGERS:
            assert logging.getLogger(name).isEnabledFor(logging.INFO) is heard
            assert logging.getLogger(name).isEnabledFor(logging.WARNING)
        assert logging.getLogger("mpa.access").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:] = handlers
        root.setLevel(root_level)
        for name in tiler_obs.CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
