"""GDAL configuration for reading COGs from object storage.

Why these options: a tile read from S3 must cost one or two range requests. Without
``GDAL_DISABLE_READDIR_ON_OPEN`` GDAL lists the "directory" for sidecar files, and without a large
enough first read it fetches the header in several round trips (rio-tiler raises
``GDAL_INGESTED_BYTES_AT_OPEN`` to the asset's ``file:header_size`` per asset).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from mpa_tiler.settings import Settings


def gdal_config(settings: Settings) -> dict[str, str | int]:
    env: dict[str, str | int] = {
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
        # rasterio hands an int straight to GDALSetCacheMax64, which counts bytes (a plain 512
        # meant a 512-byte block cache: every block decompressed again for each read touching it)
        "GDAL_CACHEMAX": settings.gdal_cachemax * 1024 * 1024,
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.TIF,.tiff",
        "CPL_VSIL_CURL_CACHE_SIZE": str(settings.vsi_cache_size * 2),
        "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
        "GDAL_HTTP_MULTIPLEX": "YES",
        "GDAL_BAND_BLOCK_CACHE": "HASHSET",
        "GDAL_NUM_THREADS": "1",
    }
    if not settings.catalog_url.startswith("file://"):  # a read cache helps over the network, not on disk
        env.update({"VSI_CACHE": "TRUE", "VSI_CACHE_SIZE": str(settings.vsi_cache_size)})
    env.update(s3_config(settings))
    return env


def s3_config(settings: Settings) -> dict[str, str]:
    """GDAL's S3 options derived from the boto-style environment (AWS_ENDPOINT_URL …)."""
    env: dict[str, str] = {}
    if settings.aws_endpoint_url:
        parts = urlsplit(settings.aws_endpoint_url)
        env["AWS_S3_ENDPOINT"] = parts.netloc
        env["AWS_HTTPS"] = "NO" if parts.scheme == "http" else "YES"
        env["AWS_VIRTUAL_HOSTING"] = "FALSE"
    if settings.aws_region:
        env["AWS_REGION"] = settings.aws_region
    return env


def rasterio_env(settings: Settings) -> dict:
    """Options for ``rasterio.Env``: GDAL config plus, for S3 stores, one reusable AWS session.

    rasterio refuses credentials as plain config options (they belong to a session), so the
    keys from the environment go into an ``AWSSession`` built once at start-up.
    """
    env: dict = dict(gdal_config(settings))
    if settings.catalog_url.startswith("s3://"):
        from rasterio.session import AWSSession

        env["session"] = AWSSession(
            aws_access_key_id=settings.aws_access_key_id,
            aws_secret_access_key=settings.aws_secret_access_key,
            region_name=settings.aws_region or "us-east-1",
            endpoint_url=env.get("AWS_S3_ENDPOINT"),
        )
    return env


AWS_SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def detach_aws_keys_from_environ(settings: Settings) -> bool:
    """Remove the S3 keys from ``os.environ`` once the settings hold them; True if they were removed.

    Why: while both keys are in the process environment, every ``rasterio.Env()`` builds a new
    boto3 session to look them up (~9 ms). rio-tiler makes several Envs per tile and rasterio one
    more for each GDAL call outside an Env: five sessions a tile, which doubled the cost of a tile
    read from S3. The keys still reach GDAL through the one AWSSession of ``rasterio_env`` and
    fsspec through the Store; keys other than the ones in the settings are left alone.
    """
    if not settings.catalog_url.startswith("s3://") or not settings.aws_access_key_id:
        return False
    if os.environ.get("AWS_ACCESS_KEY_ID") != settings.aws_access_key_id:
        return False
    for name in AWS_SECRETS:
        os.environ.pop(name, None)
    return True
