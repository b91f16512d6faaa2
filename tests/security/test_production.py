"""Attack 7: production mode of the tiler. (The backend's refusals are in tests/backend/test_production.py
and tests/security/test_session.py; this adds the tiler, which must not run in production trusting
every origin or without a way to verify tokens.)"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

GOOD = {
    "env": "production",
    "jwks_url": "http://backend:8000/api/.well-known/jwks.json",
    "token_issuer": "https://twin.example.org",
    "cors_origins": ["https://twin.example.org"],
}


def _app(catalog_url: str, **over):
    from mpa_tiler.main import create_app
    from mpa_tiler.settings import Settings

    return create_app(Settings(catalog_url=catalog_url, **{**GOOD, **over}))


def test_a_complete_production_configuration_starts(demo_catalog) -> None:
    assert _app(demo_catalog.url) is not None


@pytest.mark.parametrize("change,named", [
    ({"cors_origins": ["*"]}, "MPA_TILER_CORS_ORIGINS"),
    ({"jwks_url": None}, "MPA_TILER_JWKS_URL"),
    ({"token_issuer": None}, "MPA_TILER_TOKEN_ISSUER"),
])
def test_production_tiler_refuses_development_defaults(demo_catalog, change, named) -> None:
    with pytest.raises(Exception, match=named):
        _app(demo_catalog.url, **change)


def test_tiler_cors_never_allows_credentials(demo_catalog) -> None:
    """Tokens travel as bearer headers, never as cookies: no origin may send credentials."""
    client = TestClient(_app(demo_catalog.url, env="development"))
    pre = client.options("/tiles/legend", headers={"Origin": "https://twin.example.org",
                                                   "Access-Control-Request-Method": "GET",
                                                   "Access-Control-Request-Headers": "authorization"})
    assert pre.headers.get("access-control-allow-origin") == "https://twin.example.org", "control"
    assert pre.headers.get("access-control-allow-credentials") != "true"
    evil = client.options("/tiles/legend", headers={"Origin": "https://evil.example",
                                                    "Access-Control-Request-Method": "GET"})
    assert evil.headers.get("access-control-allow-origin") is None
