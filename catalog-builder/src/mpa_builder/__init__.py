"""MPA Twin catalog-builder: survey batches in, a static STAC catalogue out, published atomically."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mpa-catalog-builder")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
