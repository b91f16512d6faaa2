"""All backend configuration, read once from the environment (prefix MPA_BACKEND_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class OIDCProvider(BaseModel):
    """One OpenID Connect identity provider the backend signs people in with."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="URL segment: /api/auth/login/{name}")
    title: str
    issuer: str = Field(description="Issuer URL; discovery is read from {issuer}/.well-known/openid-configuration")
    client_id: str
    client_secret: SecretStr | None = None
    scope: str = "openid email profile"
    subject_claim: str = Field(default="sub", description="Claim that identifies the person (Microsoft: oid)")
    orcid: bool = Field(default=False, description="The subject is an ORCiD iD (grants by ORCiD match it)")
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"
    authorize_url: str | None = Field(
        default=None, description="Authorisation endpoint as the browser reaches it, when it differs from discovery "
        "(a provider container the backend calls by service name)",
    )
    pkce: bool = True


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

    # --- sign-in, sessions, access tokens, grants (mpa_backend.auth, mpa_backend.db) ---
    database_url: str = Field(
        default="sqlite:///" + str(Path.cwd() / ".demo" / "mpa-backend.sqlite"),
        description="SQLAlchemy URL: SQLite by default, postgresql+psycopg://… in production",
    )
    migrate_on_startup: bool = Field(default=True, description="Run Alembic migrations when the app starts")
    session_secret: SecretStr | None = Field(
        default=None, description="Signs the session cookie; a random one per process in development only"
    )
    session_max_age_s: int = Field(default=8 * 3600, gt=0)
    cookie_secure: bool | None = Field(
        default=None, description="Secure flag of the session cookie; default: on unless public_url is http://"
    )
    signing_keys: list[str] = Field(
        default_factory=list,
        description="Access-token signing keys, newest first: PEM file paths or inline PEM (RSA or Ed25519). "
        "The first signs; all are published in the JWKS so tokens signed by older keys verify until removed.",
    )
    access_token_ttl_s: int = Field(default=600, gt=0, le=900, description="Lifetime of tiler/API tokens (<= 15 min)")
    admins: list[str] = Field(default_factory=list, description="ORCiD iDs or e-mails that are always admins")
    orcid_client_id: str | None = None
    orcid_client_secret: SecretStr | None = None
    orcid_issuer: str = "https://orcid.org"
    microsoft_client_id: str | None = None
    microsoft_client_secret: SecretStr | None = None
    microsoft_issuer: str | None = Field(
        default=None, description="Tenant issuer, e.g. https://login.microsoftonline.com/<tenant-id>/v2.0"
    )
    presign_ttl_s: int = Field(default=300, gt=0, le=3600, description="Lifetime of presigned S3 download URLs")
    s3_public_endpoint_url: str | None = Field(
        default=None, description="S3 endpoint as browsers reach it, for presigned URLs (default: AWS_ENDPOINT_URL)"
    )
    oidc_providers: list[OIDCProvider] = Field(
        default_factory=list, description="Further providers (JSON list in MPA_BACKEND_OIDC_PROVIDERS)"
    )

    def providers(self) -> list[OIDCProvider]:
        """ORCiD and Microsoft when configured, then any further providers."""
        found: list[OIDCProvider] = []
        if self.orcid_client_id:
            found.append(OIDCProvider(
                name="orcid", title="ORCiD", issuer=self.orcid_issuer, client_id=self.orcid_client_id,
                client_secret=self.orcid_client_secret, scope="openid", orcid=True,
                token_endpoint_auth_method="client_secret_post",
            ))
        if self.microsoft_client_id and self.microsoft_issuer:
            found.append(OIDCProvider(
                name="microsoft", title="Microsoft", issuer=self.microsoft_issuer,
                client_id=self.microsoft_client_id, client_secret=self.microsoft_client_secret,
                subject_claim="oid",
            ))
        return found + list(self.oidc_providers)

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return not self.public_url.startswith("http://")


@lru_cache
def get_settings() -> Settings:
    return Settings()
