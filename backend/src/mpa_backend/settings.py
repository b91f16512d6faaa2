"""All backend configuration, read once from the environment (prefix MPA_BACKEND_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MPA_BACKEND_", extra="ignore")

    env: Literal["development", "production"] = "development"
    catalog_url: str = Field(
        default="file://" + str(Path.cwd() / ".demo" / "store"),
        validation_alias=AliasChoices("MPA_CATALOG_URL", "MPA_BACKEND_CATALOG_URL"),
    )
    catalog_ttl_s: float = Field(default=10.0, description="How often the root catalog.json is re-read")
    cache_dir: Path = Field(default=Path("/tmp/mpa-backend-cache"))
    tiler_url: str = Field(default="/tiles", description="Public base URL of the tiler, as the browser sees it")
    public_url: str = Field(default="http://127.0.0.1:8000", description="This service's public base URL")
    cors_origins: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:5173", "http://localhost:5173"])
    s3_endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_ENDPOINT_URL", "MPA_BACKEND_S3_ENDPOINT_URL")
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
