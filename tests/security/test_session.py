"""Attack 4: the session cookie, cross-site requests and the sign-in redirect.

The backend's session cookie must be HttpOnly, SameSite=Lax and (on https) Secure; state-changing
routes refuse requests a browser sends with that cookie from another origin; `next` never
redirects off the site.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.backend.test_access_support import valid_orcid
from tests.backend.test_production import production_env  # noqa: F401 (fixture)
from tests.security.conftest import RESTRICTED, Stack


def _session_cookie(response: httpx.Response) -> SimpleCookie:
    headers = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie" and "mpa_session=" in v]
    assert headers, f"no session cookie in {response.headers}"
    cookie = SimpleCookie()
    cookie.load(headers[-1])
    return cookie


def test_session_cookie_is_httponly_and_samesite(stack) -> None:
    r = httpx.get(f"{stack.backend.url}/api/auth/login/orcid", params={"next": "/"}, follow_redirects=False)
    assert r.status_code in (302, 303, 307)
    morsel = _session_cookie(r)["mpa_session"]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert not morsel["secure"], "control: the loopback http test backend cannot set Secure"


def test_session_cookie_is_secure_in_production(production_env, oidc_provider, monkeypatch) -> None:  # noqa: F811
    from mpa_backend.main import create_app
    from mpa_backend.settings import get_settings

    monkeypatch.setenv("MPA_BACKEND_ORCID_ISSUER", oidc_provider.url)
    get_settings.cache_clear()
    with TestClient(create_app(), base_url="https://twin.example.org") as client:
        r = client.get("/api/auth/login/orcid", params={"next": "/"}, follow_redirects=False)
    assert r.status_code in (302, 303, 307), r.text
    morsel = _session_cookie(r)["mpa_session"]
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"].lower() == "lax"


@pytest.mark.parametrize("change,named", [
    ({"MPA_BACKEND_PUBLIC_URL": "http://twin.example.org"}, "MPA_BACKEND_PUBLIC_URL"),
    ({"MPA_BACKEND_COOKIE_SECURE": "false"}, "MPA_BACKEND_COOKIE_SECURE"),
])
def test_production_refuses_cookies_in_clear(production_env, monkeypatch, change, named) -> None:  # noqa: F811
    from mpa_backend.auth.production import ProductionConfigError
    from mpa_backend.main import create_app
    from mpa_backend.settings import get_settings

    for key, value in change.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    with pytest.raises(ProductionConfigError, match=named):
        create_app()


def test_production_on_loopback_http_is_allowed(production_env, monkeypatch) -> None:  # noqa: F811
    """The one-machine demo (compose on localhost) runs production settings over plain http."""
    from mpa_backend.main import create_app
    from mpa_backend.settings import get_settings

    monkeypatch.setenv("MPA_BACKEND_PUBLIC_URL", "http://localhost:8080")
    monkeypatch.setenv("MPA_BACKEND_CORS_ORIGINS", '["http://localhost:8080"]')
    get_settings.cache_clear()
    assert create_app() is not None


def _grant(client: httpx.Client, person: str, **headers: str) -> httpx.Response:
    return client.post(f"/api/collections/{RESTRICTED}/grants", json={"person": person}, headers=headers)


def test_cross_site_grant_revoke_and_logout_are_refused(stack: Stack, depositor) -> None:
    person = valid_orcid()
    evil = {"Origin": "https://evil.example"}
    sibling = {"Origin": "http://evil.127.0.0.1.nip.io:5173"}
    for headers in (evil, sibling, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        r = _grant(depositor, person, **headers)
        assert r.status_code == 403 and "cross-site" in r.json()["detail"], (headers, r.status_code, r.text)
    listed = depositor.get(f"/api/collections/{RESTRICTED}/grants").json()
    assert person not in {g["person"] for g in listed}, "the refused grants changed nothing"

    # the front end's own origins (its dev server, the public URL) and non-browser clients pass
    assert _grant(depositor, person, Origin="http://127.0.0.1:5173").status_code == 201
    assert _grant(depositor, person, Origin=stack.backend.url).status_code == 200
    assert _grant(depositor, person).status_code == 200

    r = depositor.delete(f"/api/collections/{RESTRICTED}/grants", params={"person": person}, headers=evil)
    assert r.status_code == 403
    assert depositor.post("/api/auth/logout", headers=evil).status_code == 403
    assert depositor.get("/api/me").json()["authenticated"], "a cross-site logout did not end the session"
    r = depositor.delete(f"/api/collections/{RESTRICTED}/grants", params={"person": person},
                         headers={"Origin": stack.backend.url})
    assert r.status_code == 204


def test_grants_without_a_session_are_refused(stack: Stack) -> None:
    with httpx.Client(base_url=stack.backend.url) as anon:
        assert _grant(anon, valid_orcid()).status_code == 401
        assert _grant(anon, valid_orcid(), Origin="https://evil.example").status_code == 401
        r = anon.delete(f"/api/collections/{RESTRICTED}/grants", params={"person": valid_orcid()})
        assert r.status_code == 401


def test_cors_never_grants_credentials_to_a_foreign_origin(stack: Stack) -> None:
    for url in (f"{stack.backend.url}/api/me", f"{stack.backend.url}/api/token"):
        pre = httpx.options(url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert pre.headers.get("access-control-allow-origin") is None
        got = httpx.get(url, headers={"Origin": "https://evil.example"})
        assert got.headers.get("access-control-allow-origin") is None
    ok = httpx.options(f"{stack.backend.url}/api/me", headers={"Origin": "http://127.0.0.1:5173",
                                                               "Access-Control-Request-Method": "GET"})
    assert ok.headers.get("access-control-allow-origin") == "http://127.0.0.1:5173", "control"


NEXT_VALUES = ["//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
               "/\n/evil.example", " //evil.example", "http:evil.example", "/%2F%2Fevil.example", "javascript:alert(1)",
               "///evil.example", "/\\/evil.example", "%2F%2Fevil.example", "\x00//evil.example"]


@pytest.mark.parametrize("value", NEXT_VALUES)
def test_next_never_leaves_the_site(stack: Stack, value: str) -> None:
    r = httpx.get(f"{stack.backend.url}/api/auth/logout", params={"next": value}, follow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/") and location[1:2] not in ("/", "\\"), location
    assert not any(ord(ch) < 0x21 for ch in location), f"control characters survive: {location!r}"
    assert urlsplit(urljoin(stack.backend.url + "/", location)).netloc == urlsplit(stack.backend.url).netloc
