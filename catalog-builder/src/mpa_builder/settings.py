"""Typed settings of the builder (env prefix MPA_BUILDER_; the store URL is the shared MPA_CATALOG_URL)."""

from __future__ import annotations

import os

from pydantic import AliasChoices, Field
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


def get_settings() -> BuilderSettings:
    return BuilderSettings()
