"""The object store the catalogue is published to: a local folder or any S3 (through fsspec).

Only four operations are needed, and each is atomic on its own: a reader sees an object either
whole or not at all (local: write a temporary file then os.replace; S3: a single PUT, or a
multipart upload that becomes visible only when completed). Publishing builds its atomicity
on top of that by writing the root catalog.json last.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import fsspec


def _s3_filesystem():
    """s3fs configured from the AWS (or GDAL) variables; path-style unless told otherwise."""
    import s3fs

    from mpa_builder.settings import S3Settings

    s3 = S3Settings()
    client_kwargs = {"region_name": s3.region}
    if s3.endpoint:
        client_kwargs["endpoint_url"] = s3.endpoint
    secret = s3.secret_access_key.get_secret_value() if s3.secret_access_key else None
    token = s3.session_token.get_secret_value() if s3.session_token else None
    return s3fs.S3FileSystem(
        key=s3.access_key_id,
        secret=secret,
        token=token,
        client_kwargs=client_kwargs,
        config_kwargs={"s3": {"addressing_style": "virtual" if s3.virtual_hosting else "path"},
                       "retries": {"max_attempts": 2}},
        use_listings_cache=False,
        skip_instance_cache=True,
    )


class Store:
    """Keys are '/'-separated paths relative to the store root (where catalog.json lives)."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = urlparse(url)
        if parsed.scheme == "s3":
            self.fs = _s3_filesystem()
            self.root = (parsed.netloc + "/" + parsed.path.strip("/")).rstrip("/")
            self.local = False
        elif parsed.scheme in ("", "file"):
            path = parsed.path if parsed.scheme == "file" else url
            self.root = str(Path(path).expanduser().resolve())
            self.fs = fsspec.filesystem("file")
            self.local = True
        else:
            raise ValueError(f"unsupported store URL {url!r}: use a folder, file:///dir or s3://bucket/prefix")

    # -- addressing -----------------------------------------------------------------------
    def path(self, key: str) -> str:
        return f"{self.root}/{key.lstrip('/')}"

    @property
    def display_url(self) -> str:
        return f"file://{self.root}" if self.local else f"s3://{self.root}"

    # -- operations -----------------------------------------------------------------------
    def exists(self, key: str) -> bool:
        return self.fs.exists(self.path(key))

    def read_bytes(self, key: str) -> bytes | None:
        try:
            return self.fs.cat_file(self.path(key))
        except FileNotFoundError:
            return None

    def write_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        if self.local:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=Path(target).parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        else:
            self.fs.pipe_file(target, data)

    def put_file(self, local: Path, key: str) -> None:
        target = self.path(key)
        if self.local:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=Path(target).parent, prefix=".tmp-")
            os.close(fd)
            try:
                with open(local, "rb") as src, open(tmp, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                    dst.flush()
                    os.fsync(dst.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        else:
            self.fs.put_file(str(local), target)

    def list(self, prefix: str) -> list[str]:
        """Keys directly below a prefix (only the builder lists; readers follow links)."""
        try:
            entries = self.fs.ls(self.path(prefix), detail=False)
        except FileNotFoundError:
            return []
        base = self.root + "/"
        return sorted(e.removeprefix(base) for e in entries)
