"""Atomic, versioned publishing of staged batches into a store.

Order is what makes it atomic: immutable content-addressed assets first, then the new collection and
item JSON (new hashed paths, never overwriting), then versions/v000N/, and the root catalog.json
LAST in one put. Readers start at catalog.json, so until that single write they see the previous
catalogue, complete and byte-identical; a process killed anywhere before it leaves only unreferenced
objects behind (the next publish reuses or ignores them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mpa_builder import __version__
from mpa_builder.build import Built
from mpa_builder.describe import root_catalog
from mpa_builder.errors import PublishError
from mpa_builder.hashing import canonical_json
from mpa_builder.store import Store

Progress = Callable[[str, int, int], None]
VERSION_RE = re.compile(r"^v(\d{4,})$")


def version_key(n: int) -> str:
    return f"versions/v{n:04d}"


@dataclass
class StoreState:
    version: int
    batches: dict[str, str] = field(default_factory=dict)
    collections: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PublishResult:
    version: int
    changed: list[str]
    unchanged: list[str]
    uploaded: int = 0
    reused: int = 0


def current_state(store: Store) -> StoreState:
    """What the root catalog.json says is published now (its version's manifest has the details)."""
    try:
        raw = store.read_bytes("catalog.json")
    except Exception as exc:  # unreachable endpoint, bad credentials, missing bucket
        raise PublishError(f"{store.display_url}: cannot read the store ({type(exc).__name__}: {exc})") from exc
    if raw is None:
        return StoreState(0)
    root = json.loads(raw)
    version = int(root.get("mpa:version", 0))
    man = store.read_bytes(f"{version_key(version)}/manifest.json")
    if man is None:
        raise PublishError(f"{store.display_url}: catalog.json is version {version} but its manifest is missing")
    m = json.loads(man)
    return StoreState(version, dict(m.get("batches", {})), list(m.get("collections", [])))


def existing_versions(store: Store) -> list[int]:
    out = []
    for key in store.list("versions"):
        m = VERSION_RE.match(key.rsplit("/", 1)[-1])
        if m:
            out.append(int(m.group(1)))
    return sorted(out)


def is_unchanged(state: StoreState, survey: str, batch_sha256: str) -> bool:
    return state.batches.get(survey) == batch_sha256


def _stage_files(stage: Path) -> tuple[list[Path], list[Path], list[Path]]:
    assets, items, colls = [], [], []
    for p in sorted(stage.rglob("*")):
        if not p.is_file() or p.name == "build.json":
            continue
        rel = p.relative_to(stage).as_posix()
        if "/assets/" in f"/{rel}":
            assets.append(p)
        elif p.name == "collection.json":
            colls.append(p)
        else:
            items.append(p)
    return assets, items, colls


def publish(store: Store, builts: list[Built], *, progress: Progress | None = None) -> PublishResult:
    state = current_state(store)
    changed = [b for b in builts if not is_unchanged(state, b.survey, b.batch_sha256)]
    unchanged = [b.survey for b in builts if b not in changed]
    if not changed:
        return PublishResult(state.version, [], unchanged)
    surveys = {b.survey for b in changed}
    kept = [c for c in state.collections if c["survey"] not in surveys]
    new = [c for b in changed for c in b.collections]
    ids = {}
    for c in kept + new:
        if c["id"] in ids and ids[c["id"]] != c["survey"]:
            raise PublishError(f"collection id {c['id']!r} is used by surveys {ids[c['id']]!r} and {c['survey']!r}")
        ids[c["id"]] = c["survey"]
    # 1-2: immutable objects, children before the objects that link to them
    files: list[tuple[Path, str]] = []
    for b in changed:
        assets, items, colls = _stage_files(b.stage)
        files += [(p, p.relative_to(b.stage).as_posix()) for p in assets + items + colls]
    result = PublishResult(0, [b.survey for b in changed], unchanged)
    key = ""
    try:
        for n, (path, key) in enumerate(files, 1):
            if store.exists(key):
                result.reused += 1
            else:
                store.put_file(path, key)
                result.uploaded += 1
            if progress:
                progress(f"upload {key.rsplit('/', 1)[-1]}", n, len(files))
        # 3: the version record, then 4: the root, last
        version = max([state.version, *existing_versions(store)]) + 1
        batches = {**{k: v for k, v in state.batches.items() if k not in surveys},
                   **{b.survey: b.batch_sha256 for b in changed}}
        children = sorted(kept + new, key=lambda c: c["id"])
        manifest = {"version": version, "batches": dict(sorted(batches.items())), "builder": __version__,
                    "collections": children, "previous": state.version,
                    "published": datetime.now(UTC).isoformat(timespec="seconds")}
        _check_not_overtaken(store, state.version)
        key = f"{version_key(version)}/manifest.json"
        if store.exists(key):
            raise PublishError(f"{store.display_url}: version {version} appeared while publishing; run it again")
        store.write_bytes(key, canonical_json(manifest))
        key = f"{version_key(version)}/catalog.json"
        store.write_bytes(key, canonical_json(root_catalog(version, children, up="../../")))
        _check_not_overtaken(store, state.version)
        key = "catalog.json"
        store.write_bytes(key, canonical_json(root_catalog(version, children)))
    except PublishError:
        raise
    except Exception as exc:  # any store failure: S3 errors, connection loss, full disk
        raise PublishError(f"{store.display_url}: writing {key or 'the store'} failed ({type(exc).__name__}: {exc}); "
                           f"the published catalogue (version {state.version}) is unchanged") from exc
    result.version = version
    return result


def _check_not_overtaken(store: Store, expected: int) -> None:
    """Refuse to replace a root another publisher wrote meanwhile (its batches would vanish).

    Checked after the (long) uploads and again just before the root is written. Object stores
    offer no general compare-and-swap, so this narrows the window to milliseconds rather than
    closing it: run one publisher per store at a time.
    """
    raw = store.read_bytes("catalog.json")
    now = json.loads(raw).get("mpa:version", 0) if raw else 0
    if now != expected:
        raise PublishError(f"{store.display_url}: another publish made version {now} while this one was "
                           f"running (started from {expected}); nothing was changed, run it again")


def rollback(store: Store, version: int) -> StoreState:
    """Make version N current again: the root becomes what it was at N (same bytes)."""
    man = store.read_bytes(f"{version_key(version)}/manifest.json")
    if man is None:
        raise PublishError(f"{store.display_url}: there is no version {version} (see `mpa-catalog list`)")
    m = json.loads(man)
    children = m.get("collections", [])
    for c in children:
        key = c["href"].removeprefix("./")
        if not store.exists(key):
            raise PublishError(f"version {version} is incomplete: {key} is missing; refusing to roll back")
    store.write_bytes("catalog.json", canonical_json(root_catalog(version, children)))
    return StoreState(version, m.get("batches", {}), children)


def list_versions(store: Store) -> list[dict[str, Any]]:
    out = []
    for n in existing_versions(store):
        raw = store.read_bytes(f"{version_key(n)}/manifest.json")
        if raw is not None:
            out.append(json.loads(raw))
    return out
