"""Strong ETags, conditional requests and an in-process LRU of rendered tiles.

Why a middleware: titiler's endpoints stay stock; this layer sits in front of every
``/tiles/collections/{c}/items/{i}/…`` GET. It authorises first (a cache hit or a 304 must not
bypass access rules), then keys the response by the item's asset checksums (immutable data), its
render defaults and the request's parameters (the access token excluded). A hit is answered
without entering FastAPI at all, which is what makes warm tiles cheap.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import anyio.to_thread
from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mpa_tiler.access import authorize
from mpa_tiler.catalog import UnknownLayer

LAYER_PATH = re.compile(r"^/tiles/collections/(?P<c>[^/]+)/items/(?P<i>[^/]+)/(?P<rest>.*)$")
# Only binary tile/image bodies go in the LRU; JSON/XML hold absolute URLs of the request's host.
CACHEABLE_TYPES = ("image/", "application/x-binary", "application/vnd.mapbox-vector-tile")
MAX_ENTRY_BYTES = 4 * 1024 * 1024


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class LRUBytes:
    """An LRU bounded by the total size of its values (thread-safe)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._data: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: str, entry: Entry) -> None:
        cost = len(entry.body) + 64 * len(entry.headers)
        if cost > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.size -= len(old.body) + 64 * len(old.headers)
            self._data[key] = entry
            self.size += cost
            while self.size > self.max_bytes:
                _, ev = self._data.popitem(last=False)
                self.size -= len(ev.body) + 64 * len(ev.headers)

    def __len__(self) -> int:
        return len(self._data)


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [t.strip() for t in header.split(",")]
    return "*" in candidates or etag in candidates or f"W/{etag}" in candidates


class TileCacheMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.cache = LRUBytes(max_bytes)

    @staticmethod
    def _authorised_layer(request: Request, collection_id: str, item_id: str):
        layer = request.app.state.catalogue.layer(collection_id, item_id)
        authorize(layer, request, request.app.state.verifier)
        return layer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        match = LAYER_PATH.match(scope["path"])
        if not match:
            return await self.app(scope, receive, send)
        request = Request(scope)
        state = request.app.state
        try:
            layer = state.catalogue.peek(match["c"], match["i"])
            if layer is None or layer.restricted:  # may do I/O (store, JWKS): off the event loop
                layer = await anyio.to_thread.run_sync(self._authorised_layer, request, match["c"], match["i"])
        except (UnknownLayer, HTTPException):
            return await self.app(scope, receive, send)  # the route answers 404/401/403 itself
        except Exception:  # noqa: BLE001 - the route itself reports store failures
            return await self.app(scope, receive, send)

        query = sorted((k, v) for k, v in request.query_params.multi_items() if k != "access_token")
        gz = "gzip" in request.headers.get("accept-encoding", "")
        host = request.headers.get("host", "") + "|" + request.headers.get("x-forwarded-proto", "") + "|" + \
            request.headers.get("x-forwarded-host", "")
        raw = repr((layer.collection_id, layer.item_id, layer.fingerprint, sorted(layer.renders.items()) if layer.renders else None,
                    match["rest"], query, gz, host))
        key = hashlib.sha256(raw.encode()).hexdigest()
        etag = f'"{key[:40]}"'
        cache_control = (f"private, max-age={state.settings.cache_max_age}" if layer.restricted
                         else f"public, max-age={state.settings.cache_max_age}")
        extra = [(b"etag", etag.encode()), (b"cache-control", cache_control.encode())]
        if layer.restricted:
            extra.append((b"vary", b"Authorization"))

        inm = request.headers.get("if-none-match")
        if inm and _etag_matches(inm, etag):
            await send({"type": "http.response.start", "status": 304, "headers": extra})
            await send({"type": "http.response.body", "body": b""})
            return

        entry = self.cache.get(key)
        if entry is not None:
            state.metrics.cache_hits.inc()
            await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers + extra})
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else entry.body})
            return
        state.metrics.cache_misses.inc()

        start: Message | None = None
        app_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start, app_headers
            if message["type"] == "http.response.start":
                start = message
                if message["status"] == 200:
                    app_headers = [(k, v) for k, v in message.get("headers", [])
                                   if k.lower() not in (b"etag", b"cache-control")]
                    message = {**message, "headers": app_headers + extra}
                await send(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        if start is None or start["status"] != 200 or scope["method"] == "HEAD":
            return
        ctype = next((v.decode() for k, v in app_headers if k.lower() == b"content-type"), "")
        body = b"".join(chunks)
        if ctype.startswith(CACHEABLE_TYPES) and len(body) <= MAX_ENTRY_BYTES:
            self.cache.put(key, Entry(200, app_headers, body))
