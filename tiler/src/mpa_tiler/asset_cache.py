"""Local, checksum-verified copies of catalogue assets, bounded in bytes.

Why: SQLite cannot read MBTiles over S3, and a COG read from object storage pays a network round
trip for every block a tile touches. Catalogue assets are immutable and content-addressed, so a
copy named by its ``file:checksum`` never goes stale: after one download (verified against the
checksum, so a torn or tampered copy is never read) every later read is a local one.

MBTiles are fetched before their first tile is served. Rasters in an object store are fetched in
the background when first read, while tiles keep coming from the store by range requests; the
readers switch to the copy once it is complete. Rasters larger than ``max_copy_bytes`` are never
copied (range requests are what COGs are for); ``max_copy_bytes = 0`` switches copies of rasters off.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mpa_tiler.store import Store

log = logging.getLogger("mpa_tiler.asset_cache")
CHUNK = 1 << 20
TOUCH_EVERY_S = 60.0  # how stale a copy's "last used" time may get before it is refreshed


class AssetCopyError(RuntimeError):
    """The asset could not be copied (no usable checksum, store failure, or a checksum mismatch)."""


def sha256_hex(asset: dict[str, Any]) -> str:
    """The sha2-256 digest in an asset's multihash ``file:checksum`` (``1220`` + 64 hex digits)."""
    checksum = asset.get("file:checksum") or ""
    digest = checksum[4:]
    if not checksum.startswith("1220") or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise AssetCopyError("the asset has no sha2-256 file:checksum")
    return digest


def _sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


class AssetCache:
    """A folder of verified asset copies named ``<sha256><suffix>``, least recently used evicted first."""

    def __init__(self, store: Store, folder: Path, *, max_bytes: int, max_copy_bytes: int, workers: int = 2,
                 retry_after_s: float = 300.0):
        self.store = store
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.max_copy_bytes = max_copy_bytes
        self.retry_after_s = retry_after_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="asset-copy")
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[Path]] = {}
        self._failed: dict[str, tuple[float, AssetCopyError]] = {}  # key -> (when, why): no retry storm
        self._touched: dict[Path, float] = {}

    # -- reading --------------------------------------------------------------------------------
    def path(self, asset: dict[str, Any], suffix: str) -> Path:
        return self.folder / f"{sha256_hex(asset)}{suffix}"

    def fetch(self, asset: dict[str, Any], suffix: str) -> Path:
        """The verified local copy, downloading it first if needed (blocks; call off the event loop)."""
        path = self.path(asset, suffix)
        if path.exists():
            self._touch(path)
            return path
        return self.fetch_async(asset, suffix).result()

    def fetch_async(self, asset: dict[str, Any], suffix: str) -> Future[Path]:
        """A future of the local copy; one download per checksum however many callers ask."""
        path = self.path(asset, suffix)
        with self._lock:
            if (failed := self._recent_failure(path.name)) is not None:
                done: Future[Path] = Future()
                done.set_exception(failed)
                return done
            if (future := self._inflight.get(path.name)) is not None:
                return future
            future = self._pool.submit(self._download, asset, path)
            self._inflight[path.name] = future
        # Outside the lock: a download that has already finished runs _settle right here, and
        # _settle takes the lock.
        future.add_done_callback(lambda f, key=path.name: self._settle(key, f))
        return future

    def _recent_failure(self, key: str) -> AssetCopyError | None:
        """The error of a copy that failed less than ``retry_after_s`` ago (a corrupt asset is not
        downloaded again for every tile that asks for it)."""
        if (entry := self._failed.get(key)) is None:
            return None
        when, error = entry
        if time.monotonic() - when < self.retry_after_s:
            return AssetCopyError(f"{error} (not retried for {self.retry_after_s:.0f} s)")
        del self._failed[key]
        return None

    def raster_path(self, asset: dict[str, Any]) -> Path | None:
        """Where GDAL should read a raster asset: its local copy if complete, else None (read the store).

        A missing copy of a raster small enough to keep is started in the background.
        """
        if self.store.scheme == "file" or self.max_copy_bytes <= 0:
            return None
        try:
            path = self.path(asset, ".tif")
        except AssetCopyError:
            return None
        if path.exists():
            self._touch(path)
            return path
        size = asset.get("file:size")
        if isinstance(size, int) and 0 < size <= min(self.max_copy_bytes, self.max_bytes):
            self.fetch_async(asset, ".tif")  # no new download while a failed one is recent
        return None

    # -- writing --------------------------------------------------------------------------------
    def _settle(self, key: str, future: Future[Path]) -> None:
        with self._lock:
            if self._inflight.get(key) is future:
                del self._inflight[key]
            error = None if future.cancelled() else future.exception()
            if isinstance(error, AssetCopyError):
                self._failed[key] = (time.monotonic(), error)

    def _download(self, asset: dict[str, Any], path: Path) -> Path:
        if path.exists():
            return path
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
        os.close(fd)
        started = time.monotonic()
        try:
            try:
                self.store.download(asset["href"], tmp)
            except Exception as exc:
                raise AssetCopyError(f"could not fetch the asset from the store ({type(exc).__name__})") from exc
            if _sha256_file(tmp) != path.name[:64]:
                raise AssetCopyError("the asset in the store does not match its file:checksum")
            os.replace(tmp, path)
        except AssetCopyError as exc:
            log.warning("asset copy failed: %s", exc, extra={"asset": path.name})
            raise
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        log.info("asset copied", extra={"asset": path.name, "bytes": path.stat().st_size,
                                        "seconds": round(time.monotonic() - started, 3)})
        self._touch(path, force=True)
        self._evict(keep=path)
        return path

    def _touch(self, path: Path, force: bool = False) -> None:
        now = time.time()
        if force or now - self._touched.get(path, 0.0) > TOUCH_EVERY_S:
            self._touched[path] = now
            try:
                os.utime(path, (now, now))
            except FileNotFoundError:
                pass

    def _evict(self, keep: Path) -> None:
        """Remove least recently used copies until the folder fits ``max_bytes`` (never ``keep``).

        A copy still open in a reader stays readable after its name is removed (POSIX).
        """
        files = []
        for entry in os.scandir(self.folder):
            if entry.is_file() and not entry.name.startswith("."):
                st = entry.stat()
                files.append((st.st_mtime, st.st_size, Path(entry.path)))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files, key=lambda f: f[0]):
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            path.unlink(missing_ok=True)
            self._touched.pop(path, None)
            total -= size

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
