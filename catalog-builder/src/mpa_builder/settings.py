"""Typed settings of the builder (env prefix MPA_BUILDER_; the store URL is the shared MPA_CATALOG_URL)."""

from __future__ import annotations

import os

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class BuilderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MPA_BUILDER_", extra="ignore")

    workers: int = Field(default_factory=_default_workers, ge=1)
    catalog_url: str = Field(
        default="./.demo/store",
        validation_alias=AliasChoices("MPA_CATALOG_URL", "MPA_BUILDER_CATALOG_URL"),
    )
    dask_address: str | None = None
    # Reject batches whose tables have more problems than this: one message, not a flood.
    max_errors: int = 50


class S3Settings(BaseSettings):
    """How to reach an s3:// store: boto's variables, with GDAL's as the fallback.

    Why both: a data manager's shell is often set up for GDAL (`gdalinfo /vsis3/…` with
    AWS_S3_ENDPOINT and AWS_HTTPS=NO); publishing from that shell must reach the same server, not
    AWS. Path-style addressing is the default because SeaweedFS, MinIO and JASMIN need it;
    AWS_VIRTUAL_HOSTING=TRUE asks for virtual-hosted buckets.
    """

    model_config = SettingsConfigDict(extra="ignore")

    endpoint_url: str | None = Field(None, validation_alias=AliasChoices("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"))
    gdal_endpoint: str | None = Field(None, validation_alias="AWS_S3_ENDPOINT")
    gdal_https: bool = Field(True, validation_alias="AWS_HTTPS")
    virtual_hosting: bool = Field(False, validation_alias="AWS_VIRTUAL_HOSTING")
    access_key_id: str | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    secret_access_key: SecretStr | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    session_token: SecretStr | None = Field(None, validation_alias="AWS_SESSION_TOKEN")
    region: str = Field("us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))

    @property
    def endpoint(self) -> str | None:
        """The endpoint URL: boto's as given, else GDAL's host[:port] with the scheme AWS_HTTPS says."""
        if self.endpoint_url:
            return self.endpoint_url
        if self.gdal_endpoint:
            if "://" in self.gdal_endpoint:
                return self.gdal_endpoint
            return f"{'https' if self.gdal_https else 'http'}://{self.gdal_endpoint}"
        return None


def get_settings() -> BuilderSettings:
    return BuilderSettings()
