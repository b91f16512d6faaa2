"""Sign-in and token verification against a real backend process and the real local OIDC provider:
nonce and state checks, session tampering, expired / tampered / alg:none / wrong-audience tokens,
key rotation."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tests.backend.test_access_support import (
    CLIENT_ID,
    DEPOSITOR,
    Backend,
    MiniCatalog,
    sign_in,
    start_backend,
    valid_orcid,
    write_mini_catalog,
)
from tests.fixtures.oidc import free_port


@pytest.fixture(scope="module")
def mini_catalog(tmp_path_factory) -> MiniCatalog:
    return write_mini_catalog(tmp_path_factory.mktemp("auth-catalog") / "store")


@pytest.fixture(scope="module")
def backend(mini_catalog, oidc_provider, tmp_path_factory) -> Iterator[Backend]:
    tmp = tmp_path_factory.mktemp("auth")
    browser_side = oidc_provider.url.replace("127.0.0.1", "localhost") + "/oauth2/authorize"
    extra = [{"name": "local", "title": "Local sign-in", "issuer": oidc_provider.url, "client_id": "local-client",
              "client_secret": "local-secret", "token_endpoint_auth_method": "client_secret_post",
              "authorize_url": browser_side},
             {"name": "down", "title": "Unreachable", "issuer": f"http://127.0.0.1:{free_port()}",
              "client_id": "c", "client_secret": "s"}]
    server = start_backend(tmp, mini_catalog.url, f"sqlite:///{tmp / 'auth.sqlite'}", oidc_provider,
                           MPA_BACKEND_OIDC_PROVIDERS=json.dumps(extra))
    yield server
    server.stop()


def _private(path) -> object:
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _kid(backend: Backend, index: int) -> str:
    from mpa_backend.auth.keys import load_key

    return load_key(str(backend.key_files[index])).kid


def _claims(backend: Backend, **over) -> dict:
    now = int(time.time())
    return {"iss": backend.url, "aud": "mpa-api", "sub": DEPOSITOR, "orcid": DEPOSITOR, "provider": "orcid",
            "iat": now, "exp": now + 300, "collections": [], **over}


def _bearer(backend: Backend, token: str) -> httpx.Response:
    return httpx.get(f"{backend.url}/api/stats/hf-annotations/density", headers={"Authorization": f"Bearer {token}"})


def test_providers_are_listed_with_login_urls(backend) -> None:
    listed = httpx.get(f"{backend.url}/api/auth/providers").json()
    assert [p["name"] for p in listed] == ["orcid", "microsoft", "local", "down"]
    assert listed[0]["login_url"] == "/api/auth/login/orcid"
    assert httpx.get(f"{backend.url}/api/auth/login/github").status_code == 404


def test_a_provider_added_by_configuration_signs_people_in(backend, oidc_provider) -> None:
    r = httpx.get(f"{backend.url}/api/auth/login/local")
    assert r.headers["location"].startswith(oidc_provider.url.replace("127.0.0.1", "localhost") + "/oauth2/authorize?")
    client = sign_in(backend, oidc_provider, "someone-local", provider="local", email="Some.One@Example.org",
                     email_verified=True, name="Some One")
    me = client.get("/api/me").json()
    assert me["provider"] == "local" and me["subject"] == "someone-local" and me["email"] == "some.one@example.org"
    assert me["orcid"] is None and me["name"] == "Some One"


def test_an_unreachable_provider_is_a_502_and_the_backend_keeps_serving(backend) -> None:
    r = httpx.get(f"{backend.url}/api/auth/login/down")
    assert r.status_code == 502 and "Unreachable" in r.json()["detail"]
    assert httpx.get(f"{backend.url}/api/collections").status_code == 200


def test_denied_consent_is_a_clear_400(backend, oidc_provider) -> None:
    client = httpx.Client(base_url=backend.url, follow_redirects=True, timeout=30)
    form = client.get("/api/auth/login/orcid")
    r = client.post(str(form.url), data={"action": "deny"})
    assert r.status_code == 400 and "access_denied" in r.json()["detail"]
    assert client.get("/api/me").json()["authenticated"] is False


def test_unverified_email_does_not_count(backend, oidc_provider) -> None:
    client = sign_in(backend, oidc_provider, "unverified-local", provider="local", email="victim@example.org",
                     email_verified=False)
    assert client.get("/api/me").json()["email"] is None


def test_login_redirect_asks_for_code_with_state_nonce_and_pkce(backend, oidc_provider) -> None:
    r = httpx.get(f"{backend.url}/api/auth/login/orcid")
    assert r.status_code == 302
    target = urlparse(r.headers["location"])
    q = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}" == oidc_provider.url and target.path == "/oauth2/authorize"
    assert q["response_type"] == ["code"] and q["client_id"] == [CLIENT_ID]
    assert q["redirect_uri"] == [f"{backend.url}/api/auth/callback/orcid"]
    assert q["state"][0] and q["nonce"][0] and q["code_challenge_method"] == ["S256"]


def test_id_token_with_a_foreign_nonce_is_refused(backend, oidc_provider) -> None:
    """An attacker's authorisation (own nonce) spliced into our state must not sign anyone in."""
    sub = valid_orcid()
    oidc_provider.set_user(sub)
    client = httpx.Client(base_url=backend.url, timeout=30)
    start = client.get("/api/auth/login/orcid")
    q = {k: v[0] for k, v in parse_qs(urlparse(start.headers["location"]).query).items()}
    forged = {**q, "nonce": "attacker-nonce"}
    authorize = f"{oidc_provider.url}/oauth2/authorize?{urlencode(forged)}"
    back = httpx.post(authorize, data={"sub": sub})
    assert back.status_code == 302 and back.headers["location"].startswith(f"{backend.url}/api/auth/callback/orcid")
    r = client.get(back.headers["location"])
    assert r.status_code == 401 and "nonce" in r.json()["detail"].lower()
    assert client.get("/api/me").json()["authenticated"] is False


def test_callback_replay_and_missing_state_are_refused(backend, oidc_provider) -> None:
    sub = valid_orcid()
    oidc_provider.set_user(sub)
    client = httpx.Client(base_url=backend.url, timeout=30)
    form = client.get("/api/auth/login/orcid", follow_redirects=True)
    back = client.post(str(form.url), data={"sub": sub})
    callback = back.headers["location"]
    assert client.get(callback).status_code == 303
    assert client.get("/api/me").json()["authenticated"] is True
    stranger = httpx.Client(timeout=30)
    r = stranger.get(callback)
    assert r.status_code == 400 and "state" in r.json()["detail"].lower()


def test_tampered_session_cookie_is_anonymous(backend, oidc_provider) -> None:
    client = sign_in(backend, oidc_provider, valid_orcid())
    cookie = client.cookies["mpa_session"]
    payload, rest = cookie.split(".", 1)
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    data["user"]["s"] = data["user"]["o"] = DEPOSITOR
    forged = base64.b64encode(json.dumps(data).encode()).decode().rstrip("=") + "." + rest
    r = httpx.get(f"{backend.url}/api/me", cookies={"mpa_session": forged})
    assert r.json()["authenticated"] is False
    assert httpx.get(f"{backend.url}/api/stats/hf-annotations/density", cookies={"mpa_session": forged}).status_code == 401


def test_next_parameter_cannot_redirect_off_site(backend, oidc_provider) -> None:
    sub = valid_orcid()
    oidc_provider.set_user(sub)
    client = httpx.Client(base_url=backend.url, follow_redirects=True, timeout=30)
    form = client.get("/api/auth/login/orcid", params={"next": "//evil.example/steal"})
    r = client.post(str(form.url), data={"sub": sub}, follow_redirects=False)
    final = client.get(r.headers["location"], follow_redirects=False)
    assert final.status_code == 303 and final.headers["location"] == "/"


def test_api_token_opens_the_api_door_and_cannot_mint_another(backend, oidc_provider) -> None:
    depositor = sign_in(backend, oidc_provider, DEPOSITOR)
    issued = depositor.post("/api/token", params={"audience": "mpa-api"}).json()
    assert issued["audience"] == "mpa-api" and issued["expires_in"] <= 900
    assert _bearer(backend, issued["access_token"]).status_code == 200
    r = httpx.post(f"{backend.url}/api/token", headers={"Authorization": f"Bearer {issued['access_token']}"})
    assert r.status_code == 403


def test_expired_token_is_refused(backend) -> None:
    key = _private(backend.key_files[0])
    good = jwt.encode(_claims(backend), key, "RS256", headers={"kid": _kid(backend, 0)})
    assert _bearer(backend, good).status_code == 200, "control: the same token unexpired is accepted"
    past = int(time.time()) - 120
    expired = jwt.encode(_claims(backend, iat=past - 300, exp=past), key, "RS256", headers={"kid": _kid(backend, 0)})
    r = _bearer(backend, expired)
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_tampered_token_is_refused(backend) -> None:
    token = jwt.encode(_claims(backend, sub=valid_orcid(), orcid=None), _private(backend.key_files[0]), "RS256",
                       headers={"kid": _kid(backend, 0)})
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(sub=DEPOSITOR, orcid=DEPOSITOR)
    forged = ".".join([head, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), sig])
    r = _bearer(backend, forged)
    assert r.status_code == 401 and "signature" in r.json()["detail"].lower()


def test_alg_none_and_hmac_confusion_are_refused(backend) -> None:
    unsigned = jwt.encode(_claims(backend), None, algorithm="none", headers={"kid": _kid(backend, 0)})
    assert _bearer(backend, unsigned).status_code == 401
    public_pem = _private(backend.key_files[0]).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": _kid(backend, 0)}).encode())
    body = base64.urlsafe_b64encode(json.dumps(_claims(backend)).encode())
    import hashlib
    import hmac

    signing_input = head.rstrip(b"=") + b"." + body.rstrip(b"=")
    sig = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    r = _bearer(backend, (signing_input + b"." + sig).decode())
    assert r.status_code == 401 and "algorithm" in r.json()["detail"]


def test_wrong_audience_issuer_or_key_is_refused(backend, oidc_provider) -> None:
    key = _private(backend.key_files[0])
    kid = _kid(backend, 0)
    assert _bearer(backend, jwt.encode(_claims(backend, aud="mpa-tiler"), key, "RS256", headers={"kid": kid})).status_code == 401
    assert _bearer(backend, jwt.encode(_claims(backend, iss="http://evil"), key, "RS256", headers={"kid": kid})).status_code == 401
    depositor = sign_in(backend, oidc_provider, DEPOSITOR)
    tiler_token = depositor.post("/api/token").json()["access_token"]
    r = _bearer(backend, tiler_token)
    assert r.status_code == 401 and "audience" in r.json()["detail"].lower()
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _bearer(backend, jwt.encode(_claims(backend), stranger, "RS256", headers={"kid": kid})).status_code == 401


def test_rotation_publishes_every_key_newest_signs_older_still_verifies(backend, oidc_provider) -> None:
    jwks = httpx.get(f"{backend.url}/api/.well-known/jwks.json").json()
    kids = [k["kid"] for k in jwks["keys"]]
    assert kids == [_kid(backend, 0), _kid(backend, 1)]
    assert all(set(k) >= {"kty", "n", "e", "kid", "alg", "use"} and "d" not in k for k in jwks["keys"])
    depositor = sign_in(backend, oidc_provider, DEPOSITOR)
    token = depositor.post("/api/token").json()["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == kids[0]
    old = jwt.encode(_claims(backend), _private(backend.key_files[1]), "RS256", headers={"kid": kids[1]})
    assert _bearer(backend, old).status_code == 200


def test_tiler_token_format_matches_the_contract(backend, oidc_provider) -> None:
    depositor = sign_in(backend, oidc_provider, DEPOSITOR)
    r = depositor.get("/api/token")
    body = r.json()
    token = body["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] in ("RS256", "EdDSA") and header["kid"]
    jwks = httpx.get(f"{backend.url}/api/.well-known/jwks.json").json()
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"]))
    claims = jwt.decode(token, key.key, algorithms=[header["alg"]], audience="mpa-tiler", issuer=backend.url)
    assert 0 < claims["exp"] - int(time.time()) <= 15 * 60
    assert claims["collections"] == ["hf-annotations", "hf-sidescan"] == body["collections"], "the depositor reads both"
    assert claims["sub"] == DEPOSITOR
