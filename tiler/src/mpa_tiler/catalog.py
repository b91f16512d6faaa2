"""The STAC catalogue as the tiler sees it: layers addressed by collection id and item id.

Why this shape: readers follow links from the root ``catalog.json`` and never list directories
(the contract). The root is re-read after a TTL so a new publish appears without a restart;
collection and item documents are content-addressed (immutable), so they are cached by URL.
Asset hrefs are resolved once, checked to lie inside the store, and rewritten to GDAL paths.
"""

from __future__ import annotations

import json
import posixpath
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pystac

from mpa_tiler.store import OutsideStore, Store, gdal_path, resolve


class UnknownLayer(LookupError):
    """No such collection/item in the published catalogue."""


class UnknownItem(UnknownLayer):
    """No such item in a collection that exists; carries the collection's access level.

    Why: an unknown item of a restricted collection must first be answered like a real one
    (401/403) so that 404 does not tell an unauthorised caller which item ids exist.
    """

    def __init__(self, message: str, collection_id: str, access: str):
        super().__init__(message)
        self.collection_id, self.access = collection_id, access

    @property
    def restricted(self) -> bool:
        return self.access != "public"


@dataclass(frozen=True)
class Layer:
    """One catalogue item, resolved: what the routes need to read, render and protect it."""

    collection_id: str
    item_id: str
    access: str  # "public" | "restricted"
    collection: dict[str, Any]
    item: dict[str, Any]  # as published, asset hrefs absolute store URLs
    stac_item: pystac.Item = field(repr=False)  # asset hrefs as GDAL paths, for rio-tiler
    renders: dict[str, Any]
    # Local copies of assets (asset_cache.AssetCache), for readers to prefer over the store.
    copies: Any = field(default=None, repr=False, compare=False)
    # What readers derive from the (immutable) item once: bounds, zoom range … (reader.py).
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def restricted(self) -> bool:
        return self.access != "public"

    def asset(self, key: str) -> dict[str, Any]:
        try:
            return self.item["assets"][key]
        except KeyError:
            raise UnknownLayer(f"item {self.item_id!r} has no asset {key!r}") from None

    @property
    def fingerprint(self) -> str:
        """Identity of the item's data: checksums of its assets (immutable in the store)."""
        sums = sorted(f"{k}={a.get('file:checksum', a['href'])}" for k, a in self.item["assets"].items())
        return ";".join(sums)

    @property
    def default_render(self) -> dict[str, Any]:
        return dict(self.renders.get("default") or {})


@dataclass
class _Collection:
    url: str
    doc: dict[str, Any]
    items: dict[str, str]  # item id → item URL


class Catalogue:
    def __init__(self, store: Store, ttl: float = 10.0, max_items: int = 4096, copies: Any = None):
        self.store = store
        self.copies = copies
        self.ttl = ttl
        self._lock = threading.Lock()
        self._loaded_at = -1e18
        self._collections: dict[str, _Collection] = {}
        self._docs: dict[str, _Collection] = {}  # collection URL → parsed (immutable)
        self._layers: OrderedDict[tuple[str, str], Layer] = OrderedDict()
        self._max_items = max_items
        self.version: str | None = None

    # -- loading ------------------------------------------------------------------------------
    def _read_json(self, url: str) -> dict[str, Any]:
        return json.loads(self.store.read_bytes(url))

    def _load_collection(self, url: str) -> _Collection:
        if url in self._docs:
            return self._docs[url]
        doc = self._read_json(url)
        items = {}
        for link in doc.get("links", []):
            if link.get("rel") == "item":
                item_url = resolve(url, link["href"])
                items[posixpath.basename(item_url).removesuffix(".json")] = item_url
        col = _Collection(url=url, doc=doc, items=items)
        self._docs[url] = col
        return col

    def refresh(self, force: bool = False) -> None:
        """Re-read the root catalogue when its TTL has passed (or when forced)."""
        now = time.monotonic()
        if not force and now - self._loaded_at < self.ttl:
            return
        with self._lock:
            if not force and time.monotonic() - self._loaded_at < self.ttl:
                return
            root_url = self.store.catalog_json_url
            root = self._read_json(root_url)
            collections: dict[str, _Collection] = {}
            pending = [(root_url, root, 0)]
            while pending:
                url, doc, depth = pending.pop()
                for link in doc.get("links", []):
                    if link.get("rel") != "child":
                        continue
                    child_url = self.store.check_inside(resolve(url, link["href"]))
                    child = self._load_collection(child_url)
                    if child.doc.get("type") == "Collection":
                        collections[child.doc["id"]] = child
                    elif depth < 4:
                        pending.append((child_url, child.doc, depth + 1))
            live = {c.url for c in collections.values()}
            self._docs = {u: c for u, c in self._docs.items() if u in live}
            if set(self._collections) != set(collections) or any(
                self._collections.get(k) is not v for k, v in collections.items()
            ):
                self._layers.clear()
            self._collections = collections
            self.version = root.get("mpa:version") or str(hash(json.dumps(root, sort_keys=True)))
            self._loaded_at = time.monotonic()

    # -- lookup -------------------------------------------------------------------------------
    def collection_ids(self) -> list[str]:
        self.refresh()
        return sorted(self._collections)

    def peek(self, collection_id: str, item_id: str) -> Layer | None:
        """The layer if it is already known and the root is fresh (no I/O), else None."""
        if time.monotonic() - self._loaded_at >= self.ttl:
            return None
        col = self._collections.get(collection_id)
        cached = self._layers.get((collection_id, item_id))
        if col is None or cached is None or cached.collection is not col.doc:
            return None
        return cached

    def layer(self, collection_id: str, item_id: str) -> Layer:
        self.refresh()
        col = self._collections.get(collection_id)
        if col is None:
            raise UnknownLayer(f"unknown collection {collection_id!r}")
        key = (collection_id, item_id)
        with self._lock:
            cached = self._layers.get(key)
            if cached is not None and cached.collection is col.doc:
                self._layers.move_to_end(key)
                return cached
        item_url = col.items.get(item_id)
        unknown = UnknownItem(f"unknown item {item_id!r} in collection {collection_id!r}",
                              collection_id, _access(col.doc))
        if item_url is None:
            raise unknown
        item = self._read_json(self.store.check_inside(item_url))
        if item.get("id") != item_id:
            raise unknown
        layer = self._make_layer(col, item_url, item)
        with self._lock:
            self._layers[key] = layer
            while len(self._layers) > self._max_items:
                self._layers.popitem(last=False)
        return layer

    def _make_layer(self, col: _Collection, item_url: str, item: dict[str, Any]) -> Layer:
        item = json.loads(json.dumps(item))
        gdal_item = json.loads(json.dumps(item))
        for key, asset in item.get("assets", {}).items():
            url = resolve(item_url, asset["href"])
            try:
                self.store.check_inside(url)
                asset["href"] = url
                gdal_item["assets"][key]["href"] = gdal_path(url)
            except OutsideStore:
                # never open it: drop the asset from what the readers see
                asset["href"] = url
                gdal_item["assets"].pop(key)
                item["assets"][key]["mpa:outside_store"] = True
        gdal_item["links"] = []
        stac_item = pystac.Item.from_dict(gdal_item, preserve_dict=False)
        renders = item.get("properties", {}).get("renders") or col.doc.get("renders") or {}
        return Layer(
            collection_id=col.doc["id"], item_id=item["id"], access=_access(col.doc), collection=col.doc,
            item=item, stac_item=stac_item, renders=renders, copies=self.copies,
        )


def _access(collection: dict[str, Any]) -> str:
    access = collection.get("mpa:access", "restricted")
    return access if access in ("public", "restricted") else "restricted"  # unknown values fail closed
