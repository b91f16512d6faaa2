"""An in-memory view of the published STAC catalogue, refreshed when the root changes.

The backend is stateless: every replica reads the same store and converges on the same snapshot
within `catalog_ttl_s` of a publish.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from . import store
from .settings import get_settings


@dataclass(frozen=True)
class ItemInfo:
    id: str
    href: str
    stac: dict[str, Any]

    def asset_url(self, key: str) -> str:
        return store.resolve(self.href, self.stac["assets"][key]["href"])

    def asset_sha256(self, key: str) -> str | None:
        checksum = self.stac["assets"][key].get("file:checksum")
        # multihash sha2-256: 0x12 0x20 prefix, then the digest
        return checksum[4:] if checksum and checksum.startswith("1220") else None


@dataclass(frozen=True)
class CollectionInfo:
    id: str
    href: str
    stac: dict[str, Any]
    items: dict[str, ItemInfo] = field(default_factory=dict)

    @property
    def access(self) -> str:
        return self.stac.get("mpa:access", "public")

    @property
    def depositor(self) -> str | None:
        return self.stac.get("mpa:depositor")

    @property
    def kind(self) -> str:
        return self.stac.get("mpa:kind", "raster")

    @property
    def theme(self) -> str:
        return self.stac.get("mpa:theme", "other")

    @property
    def title(self) -> str:
        return self.stac.get("title") or self.id

    @property
    def bbox(self) -> list[float]:
        return self.stac["extent"]["spatial"]["bbox"][0]


@dataclass(frozen=True)
class Snapshot:
    root: dict[str, Any]
    digest: str
    collections: dict[str, CollectionInfo]

    @property
    def version(self) -> str:
        return str(self.root.get("mpa:version", "unversioned"))


class UnknownCollection(KeyError):
    def __str__(self) -> str:
        return f"unknown collection: {self.args[0]!r}"


def _children(doc: dict, rel: str) -> list[str]:
    return [link["href"] for link in doc.get("links", []) if link.get("rel") == rel]


def load_snapshot(root_url: str) -> Snapshot:
    raw = store.read_bytes(root_url)
    root = json.loads(raw)
    collections: dict[str, CollectionInfo] = {}
    for href in _children(root, "child"):
        c_url = store.resolve(root_url, href)
        c_doc = json.loads(store.read_bytes(c_url))
        items = {}
        for i_href in _children(c_doc, "item"):
            i_url = store.resolve(c_url, i_href)
            i_doc = json.loads(store.read_bytes(i_url))
            items[i_doc["id"]] = ItemInfo(i_doc["id"], i_url, i_doc)
        collections[c_doc["id"]] = CollectionInfo(c_doc["id"], c_url, c_doc, items)
    return Snapshot(root, hashlib.sha256(raw).hexdigest(), collections)


class CatalogueCache:
    """Holds the current snapshot; re-reads the root at most every ttl seconds."""

    def __init__(self, root_url: str, ttl_s: float) -> None:
        self.root_url = root_url
        self.ttl_s = ttl_s
        self._snapshot: Snapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> Snapshot:
        with self._lock:
            now = time.monotonic()
            if self._snapshot is None or now - self._checked > self.ttl_s:
                raw = store.read_bytes(self.root_url)
                if self._snapshot is None or hashlib.sha256(raw).hexdigest() != self._snapshot.digest:
                    self._snapshot = load_snapshot(self.root_url)
                self._checked = now
            return self._snapshot


_cache: CatalogueCache | None = None


def get_catalogue() -> Snapshot:
    """FastAPI dependency: the current catalogue snapshot."""
    global _cache
    settings = get_settings()
    root = settings.catalog_url.rstrip("/") + "/catalog.json"
    if _cache is None or _cache.root_url != root:
        _cache = CatalogueCache(root, settings.catalog_ttl_s)
    return _cache.get()


def get_collection(snapshot: Snapshot, collection_id: str) -> CollectionInfo:
    try:
        return snapshot.collections[collection_id]
    except KeyError:
        raise UnknownCollection(collection_id) from None
