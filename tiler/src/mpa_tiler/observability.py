"""Operations: JSON log lines with request ids for every request of the tiler.

The tiler's Prometheus metrics live in ``mpa_tiler.metrics``; this module adds what that one
does not: the request id and one structured log line per request, in the same JSON shape as the
backend's, so one query over both services' logs follows a request id end to end.

Why a pure ASGI middleware and not Starlette's ``BaseHTTPMiddleware``: the latter runs the app in
another task (context variables set there do not reach log records written by the endpoint) and
buffers streaming responses. This one only wraps ``send``.

What it does per HTTP request:
- takes the caller's ``X-Request-ID`` (nginx sets one; a well-formed incoming id is kept so one id
  follows a request through nginx, backend and tiler) or makes one, exposes it as
  ``request.state.request_id`` and in every log record written while the request runs, and returns
  it in the ``X-Request-ID`` response header;
- writes one JSON log line (``"msg": "request"``) with method, path, route template, status,
  duration and size. Query strings are never logged: they may hold ``access_token=``. Probes
  (/healthz, /readyz, /metrics) log at DEBUG unless they fail, so they do not drown the log;

``install(app, service=…)`` wires it onto a FastAPI app; call it after every other
``add_middleware`` so it is the outermost layer and its id is set for everything inside.
Log level: ``MPA_LOG_LEVEL`` (debug, info, warning, error).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# Accept only ids that are safe to echo into headers and logs.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

request_id: ContextVar[str | None] = ContextVar("mpa_request_id", default=None)
access_log = logging.getLogger("mpa.access")
# Libraries that log at INFO on every tile ("opening data with reader …"): a second line per
# request that says nothing the access line does not. Heard again at MPA_LOG_LEVEL=debug.
CHATTY_LOGGERS = ("titiler.core.factory", "rio_tiler", "botocore.credentials")

_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message, request id, extra fields."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            doc["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, ensure_ascii=False, separators=(",", ":"))


def configure_logging(service: str, level: str | None = None, stream: TextIO | None = None) -> logging.Handler:
    """Send the root logger and uvicorn's loggers to one JSON handler on stdout (idempotent).

    uvicorn's own access log is switched off: the middleware's line replaces it and carries the
    request id.
    """
    level_name = (level or os.environ.get("MPA_LOG_LEVEL") or "info").upper()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_mpa_json", False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stdout)
        handler._mpa_json = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter(service))
    root.setLevel(level_name)
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if level_name == "DEBUG" else logging.WARNING)
    return handler


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/api/collections/{collection_id}``), else ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    return str(path) if path else "unmatched"


def incoming_request_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            candidate = value.decode("latin-1").strip()
            return candidate if _VALID_REQUEST_ID.fullmatch(candidate) else None
    return None


class RequestContextMiddleware:
    """Request id and one access log line per HTTP request (see the module docstring)."""

    def __init__(self, app: ASGIApp, service: str):
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = incoming_request_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status, size = 500, 0

        async def send_with_id(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            failed = True
            raise
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method = scope.get("method", "")
            path = scope.get("path", "")
            level = logging.ERROR if failed or status >= 500 else (
                logging.DEBUG if path in QUIET_PATHS and status < 400 else logging.INFO)
            client = scope.get("client")
            access_log.log(level, "request", exc_info=failed, extra={
                "method": method, "path": path, "route": route, "status": status,
                "duration_ms": round(seconds * 1000, 2), "bytes": size,
                "client": client[0] if client else None,
            })
            request_id.reset(token)


def install(app: Any, service: str = "tiler") -> None:
    """JSON logs and request ids on a FastAPI app (the tiler's metrics come from mpa_tiler.metrics)."""
    configure_logging(service)
    app.add_middleware(RequestContextMiddleware, service=service)
