"""A TestClient over the real backend app, pointed at a published catalogue.

Settings are read from the environment once per process (lru_cache); these fixtures set the
environment and clear that cache so each app sees its own catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient


def make_client(monkeypatch: pytest.MonkeyPatch, catalog_url: str, **env: str) -> TestClient:
    from mpa_backend import catalog, settings

    monkeypatch.setenv("MPA_CATALOG_URL", catalog_url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings.get_settings.cache_clear()
    catalog._cache = None
    from mpa_backend.main import create_app

    return TestClient(create_app())


@pytest.fixture
def api_client(demo_catalog, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[TestClient]:
    """Anonymous client over the demo catalogue (local store)."""
    with make_client(monkeypatch, demo_catalog.url, MPA_BACKEND_CACHE_DIR=str(tmp_path / "cache")) as client:
        yield client
    from mpa_backend import settings

    settings.get_settings.cache_clear()
