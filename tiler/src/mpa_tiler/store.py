"""Reading the published store (``file://`` folder or ``s3://`` bucket) and naming its files for GDAL.

Why here: the catalogue reader, the MBTiles cache and the GDAL environment all need the same
three facts about a store URL — how to read bytes, how GDAL spells it, and whether it stays
inside the catalogue root (the tiler opens nothing else).
"""

from __future__ import annotations

import posixpath
from functools import cached_property
from urllib.parse import urlsplit

import fsspec

from mpa_tiler.settings import Settings


class OutsideStore(ValueError):
    """An href resolved to a place outside the catalogue root."""


def resolve(base_url: str, href: str) -> str:
    """Resolve a (relative) STAC href against the URL of the document that holds it.

    urllib's urljoin only knows http-like schemes, so s3:// is joined by hand here.
    """
    if "://" in href:
        return href
    parts = urlsplit(base_url)
    if href.startswith("/"):
        path = href
    else:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(parts.path), href))
    return f"{parts.scheme}://{parts.netloc}{path}"


def gdal_path(url: str) -> str:
    """How GDAL opens ``url``: a local path, or ``/vsis3/bucket/key`` for S3."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return parts.path
    if parts.scheme == "s3":
        return f"/vsis3/{parts.netloc}{parts.path}"
    raise OutsideStore(f"unsupported store scheme in {url!r}")


class Store:
    """Read-only access to the files below ``settings.catalog_url``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        root = settings.catalog_url.rstrip("/")
        if "://" not in root:
            root = "file://" + root
        self.root_url = root
        self.scheme = urlsplit(root).scheme
        if self.scheme not in ("file", "s3"):
            raise ValueError(f"MPA_CATALOG_URL must be file:// or s3://, got {settings.catalog_url!r}")

    @cached_property
    def fs(self) -> fsspec.AbstractFileSystem:
        if self.scheme == "file":
            return fsspec.filesystem("file")
        s = self.settings
        client_kwargs = {}
        if s.aws_endpoint_url:
            client_kwargs["endpoint_url"] = s.aws_endpoint_url
        if s.aws_region:
            client_kwargs["region_name"] = s.aws_region
        return fsspec.filesystem(
            "s3", key=s.aws_access_key_id, secret=s.aws_secret_access_key, client_kwargs=client_kwargs,
            use_listings_cache=False, skip_instance_cache=True,
        )

    @property
    def catalog_json_url(self) -> str:
        return f"{self.root_url}/catalog.json"

    def check_inside(self, url: str) -> str:
        """Refuse URLs outside the store root: the tiler opens catalogue assets only."""
        if not url.startswith(self.root_url + "/") or "/../" in url:
            raise OutsideStore(f"{url!r} is outside the catalogue {self.root_url!r}")
        return url

    def _fs_path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path if self.scheme == "file" else f"{parts.netloc}{parts.path}"

    def read_bytes(self, url: str) -> bytes:
        self.check_inside(url)
        with self.fs.open(self._fs_path(url), "rb") as f:
            return f.read()

    def download(self, url: str, local_path: str) -> None:
        self.check_inside(url)
        self.fs.get(self._fs_path(url), local_path)
