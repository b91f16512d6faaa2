"""Read-only access to the published store (a local folder or any S3), by URL.

Only URLs that the catalogue itself produced are ever opened here: callers pass collection and item
ids, never paths.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urljoin, urlparse

import fsspec

from .settings import get_settings


def _storage_options(url: str) -> dict:
    if urlparse(url).scheme == "s3":
        endpoint = get_settings().s3_endpoint_url
        return {"client_kwargs": {"endpoint_url": endpoint}} if endpoint else {}
    return {}


def read_bytes(url: str) -> bytes:
    with fsspec.open(url, "rb", **_storage_options(url)) as fh:
        return fh.read()


def resolve(base: str, href: str) -> str:
    """Resolve a (relative) STAC href against the URL of the document that holds it.

    urljoin only resolves relative paths for schemes it knows, and s3:// is not one of them, so
    object-store URLs are resolved as if they were http URLs with the bucket as the host.
    """
    if urlparse(href).scheme:
        return href
    scheme, sep, rest = base.partition("://")
    if sep and scheme not in ("file", "http", "https"):
        return scheme + "://" + urljoin("http://" + rest, href)[len("http://"):]
    return urljoin(base, href)


def local_copy(url: str, sha256: str | None = None) -> Path:
    """A local file for `url`, fetched once and cached by content hash (assets are immutable)."""
    if urlparse(url).scheme in ("", "file"):
        return Path(urlparse(url).path)
    cache = get_settings().cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    key = sha256 or hashlib.sha256(url.encode()).hexdigest()
    target = cache / (key + Path(urlparse(url).path).suffix)
    if not target.exists():
        data = read_bytes(url)
        if sha256 and hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"checksum mismatch for {url}")
        tmp = target.with_suffix(target.suffix + f".{os.getpid()}.part")
        tmp.write_bytes(data)
        tmp.replace(target)
    return target
