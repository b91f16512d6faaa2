"""Typed settings of the tiler (env prefix ``MPA_TILER_``; the store and S3 come from shared names).

Why one object: every module reads configuration from here, so a deployment is described by its
environment alone and tests build a ``Settings`` explicitly instead of patching globals.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MPA_TILER_", extra="ignore", populate_by_name=True)

    env: Literal["development", "production"] = Field(
        "development", description="production refuses to start with development defaults (see production_problems)."
    )
    catalog_url: str = Field(
        "file:///srv/mpa/catalog",
        validation_alias=AliasChoices("MPA_CATALOG_URL", "MPA_TILER_CATALOG_URL"),
        description="Root of the published store (file:///dir or s3://bucket/prefix).",
    )
    catalog_ttl: float = Field(10.0, ge=0, description="Seconds before the root catalog.json is re-read.")

    # S3 (shared, unprefixed names as boto3 and GDAL know them).
    aws_endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")
    aws_access_key_id: str | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: str | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    aws_region: str | None = Field(None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))

    # Access tokens (issued by the backend).
    jwks_url: str | None = Field(None, description="Backend JWKS with the public keys of access tokens.")
    jwks_ttl: float = Field(300.0, ge=0)
    token_public_key: str | None = Field(None, description="PEM public key (alternative to the JWKS, for tests).")
    token_issuer: str | None = Field(None, description="Expected `iss` of access tokens.")
    token_audience: str = "mpa-tiler"
    token_algorithms: list[str] = ["RS256", "ES256", "EdDSA"]

    # HTTP.
    cors_origins: list[str] = []
    cache_max_age: int = Field(3600, ge=0, description="max-age of tiles (assets are immutable).")
    tile_cache_bytes: int = Field(256 * 1024 * 1024, ge=0, description="Bound of the in-process tile cache.")
    max_tile_size: int = Field(1024, gt=0, description="Largest tilesize a caller may ask for.")
    max_image_size: int = Field(4096, gt=0, description="Largest width/height/max_size of crops/previews.")

    # Local, checksum-verified copies of assets (mpa_tiler/asset_cache.py).
    cache_dir: Path = Path("/tmp/mpa-tiler-cache")
    cache_max_bytes: int = Field(8 * 1024**3, gt=0, description="Disk budget of the asset copies (LRU beyond it).")
    local_copy_max_bytes: int = Field(
        1024**3, ge=0,
        description="Rasters of an object store up to this size are copied to cache_dir on first read (0: never).",
    )

    # GDAL.
    gdal_cachemax: int = Field(512, gt=0, description="GDAL block cache in MB.")
    vsi_cache_size: int = 64 * 1024 * 1024

    def production_problems(self) -> list[str]:
        """What makes this configuration unfit for production, each naming the variable to set.

        Why refuse rather than warn: without a key the tiler cannot verify any token (restricted
        layers would be unreachable, or a later change could make them open), without an issuer it
        trusts tokens from any signer holding the key, and ``*`` origins let any site use a token.
        """
        if self.env != "production":
            return []
        problems = []
        if not (self.jwks_url or self.token_public_key):
            problems.append("MPA_TILER_JWKS_URL (or MPA_TILER_TOKEN_PUBLIC_KEY) must be set to verify access tokens")
        if not self.token_issuer:
            problems.append("MPA_TILER_TOKEN_ISSUER must be set (the backend's issuer of access tokens)")
        if "*" in self.cors_origins:
            problems.append("MPA_TILER_CORS_ORIGINS must list the site's origins, not '*'")
        return problems


class UnfitForProduction(RuntimeError):
    """The tiler was asked to run in production with development defaults."""


@lru_cache
def get_settings() -> Settings:
    return Settings()
