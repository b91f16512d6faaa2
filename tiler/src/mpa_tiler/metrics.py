"""Prometheus metrics: request counts and latency per route template, tile-cache hits."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send


class Metrics:
    """One registry per app, so several apps (tests) in one process do not collide."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("mpa_tiler_requests_total", "HTTP requests", ["route", "status"], registry=self.registry)
        self.latency = Histogram("mpa_tiler_request_seconds", "Request latency", ["route"], registry=self.registry,
                                 buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.cache_hits = Counter("mpa_tiler_tile_cache_hits_total", "Rendered-tile cache hits", registry=self.registry)
        self.cache_misses = Counter("mpa_tiler_tile_cache_misses_total", "Rendered-tile cache misses",
                                    registry=self.registry)

    def response(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


_KNOWN = {"/healthz", "/readyz", "/metrics", "/tiles/legend", "/tiles/tileMatrixSets", "/tiles/openapi.json",
          "/tiles/docs"}


def _route_label(path: str) -> str:
    """A low-cardinality label: ids and coordinates replaced by placeholders."""
    parts = path.strip("/").split("/")
    if len(parts) >= 5 and parts[:2] == ["tiles", "collections"] and parts[3] == "items":
        rest = parts[5:]
        kind = rest[0] if rest else ""
        if kind in ("tiles", "vector") and len(rest) > 1 and rest[-1].split(".")[0].isdigit():
            return f"/tiles/collections/{{c}}/items/{{i}}/{kind}/{{z}}/{{x}}/{{y}}"
        return "/tiles/collections/{c}/items/{i}/" + (kind or "")
    label = "/" + "/".join(parts[:2])
    return label if label in _KNOWN else "other"  # arbitrary paths must not grow the label set


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = 500

        async def wrapped(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            route = _route_label(scope["path"])
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - t0)


def metrics_endpoint(request: Request) -> Response:
    return request.app.state.metrics.response()
