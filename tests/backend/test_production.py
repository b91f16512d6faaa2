"""Production mode refuses development defaults with an error that names the variable to set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mpa_backend.auth.production import ProductionConfigError
from tests.backend.test_access_support import write_keys

GOOD_SECRET = "x" * 16 + "r4nd0m-and-l0ng-enough-for-prod-use"


@pytest.fixture
def production_env(monkeypatch, tmp_path) -> dict[str, str]:
    for key in list(os.environ):
        if key.startswith("MPA_BACKEND_"):
            monkeypatch.delenv(key)
    keys = write_keys(tmp_path / "keys", 1)
    env = {
        "MPA_BACKEND_ENV": "production",
        "MPA_BACKEND_SIGNING_KEYS": json.dumps([str(keys[0])]),
        "MPA_BACKEND_SESSION_SECRET": GOOD_SECRET,
        "MPA_BACKEND_CORS_ORIGINS": '["https://twin.example.org"]',
        "MPA_BACKEND_PUBLIC_URL": "https://twin.example.org",
        "MPA_BACKEND_ORCID_CLIENT_ID": "APP-123",
        "MPA_BACKEND_ORCID_CLIENT_SECRET": "orcid-secret",
        "MPA_BACKEND_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
        "MPA_CATALOG_URL": "file://" + str(tmp_path / "store"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield env
    from mpa_backend.settings import get_settings

    get_settings.cache_clear()


def _create(monkeypatch, **env: str | None):
    from mpa_backend.main import create_app
    from mpa_backend.settings import get_settings

    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return create_app()


def test_a_complete_production_configuration_starts(production_env, monkeypatch) -> None:
    app = _create(monkeypatch)
    assert app.state.oauth.create_client("orcid") is not None


@pytest.mark.parametrize(("change", "named"), [
    ({"MPA_BACKEND_SIGNING_KEYS": None}, "MPA_BACKEND_SIGNING_KEYS"),
    ({"MPA_BACKEND_SESSION_SECRET": None}, "MPA_BACKEND_SESSION_SECRET"),
    ({"MPA_BACKEND_SESSION_SECRET": "change-me"}, "MPA_BACKEND_SESSION_SECRET"),
    ({"MPA_BACKEND_CORS_ORIGINS": '["*"]'}, "MPA_BACKEND_CORS_ORIGINS"),
    ({"MPA_BACKEND_ORCID_CLIENT_SECRET": None}, "MPA_BACKEND_ORCID_CLIENT_SECRET"),
    ({"MPA_BACKEND_MICROSOFT_CLIENT_ID": "ms-app", "MPA_BACKEND_MICROSOFT_ISSUER":
      "https://login.microsoftonline.com/tenant/v2.0"}, "MPA_BACKEND_MICROSOFT_CLIENT_SECRET"),
    ({"MPA_BACKEND_OIDC_PROVIDERS": json.dumps([{"name": "uni", "title": "Uni", "issuer": "https://id.uni.example",
                                                   "client_id": "c"}])}, "MPA_BACKEND_OIDC_PROVIDERS[name=uni]"),
    ({"MPA_BACKEND_SIGNING_KEYS": '["/nonexistent/key.pem"]'}, "/nonexistent/key.pem"),
])
def test_production_refuses_development_defaults(production_env, monkeypatch, change, named) -> None:
    with pytest.raises(ProductionConfigError) as err:
        _create(monkeypatch, **change)
    assert named in str(err.value)


def test_development_allows_generated_key_and_secret(production_env, monkeypatch) -> None:
    app = _create(monkeypatch, MPA_BACKEND_ENV="development", MPA_BACKEND_SIGNING_KEYS=None,
                  MPA_BACKEND_SESSION_SECRET=None)
    from mpa_backend.auth.keys import key_ring
    from mpa_backend.settings import get_settings

    assert key_ring(get_settings()).development
    assert app is not None


def test_production_server_process_exits_with_the_reason(production_env, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPA_")}
    env.update({k: v for k, v in production_env.items() if k != "MPA_BACKEND_SESSION_SECRET"})
    proc = subprocess.run([str(Path(sys.executable).parent / "uvicorn"), "mpa_backend.main:app", "--port", "0"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0
    assert "MPA_BACKEND_SESSION_SECRET is not set" in proc.stderr
