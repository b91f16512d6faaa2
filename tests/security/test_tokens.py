"""Attack 2: forged, stolen and misused access tokens at the tiler and at the backend.

Tokens are signed with the backend's real signing key (read from its key file, as an attacker who
got hold of one token's format would reproduce it) and changed one property at a time; a control
token differing only in the attacked property must open the door, so each refusal is meaningful.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mpa_backend.auth.keys import load_key
from tests.backend.test_access_support import valid_orcid
from tests.security.conftest import DEMO_DEPOSITOR, RESTRICTED, Stack


def _key(stack: Stack):
    return serialization.load_pem_private_key(stack.backend.key_files[0].read_bytes(), password=None)


def _kid(stack: Stack) -> str:
    return load_key(str(stack.backend.key_files[0])).kid


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _claims(stack: Stack, door: str, **over) -> dict:
    now = int(time.time())
    base = {"iss": stack.backend.url, "sub": DEMO_DEPOSITOR, "iat": now, "nbf": now, "exp": now + 300,
            "collections": [RESTRICTED]}
    if door == "tiler":
        base["aud"] = "mpa-tiler"
    else:
        base.update(aud="mpa-api", orcid=DEMO_DEPOSITOR, provider="orcid")
    return {k: v for k, v in {**base, **over}.items() if v is not None}


def _sign(stack: Stack, claims: dict, key=None, kid: str | None = "same", alg: str = "RS256") -> str:
    headers = {"kid": _kid(stack) if kid == "same" else kid} if kid is not None else {}
    return jwt.encode(claims, key or _key(stack), algorithm=alg, headers=headers)


def _hs256_with_public_key(stack: Stack, claims: dict) -> str:
    pem = _key(stack).public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": _kid(stack)}).encode())
    body = _b64(json.dumps(claims).encode())
    sig = _b64(hmac.new(pem, head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


def _alg_none(claims: dict, kid: str) -> str:
    head = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return (head + b"." + _b64(json.dumps(claims).encode()) + b".").decode()


def _forge(stack: Stack, door: str, attack: str) -> str:
    def c(**overrides):
        return _claims(stack, door, **overrides)

    now = int(time.time())
    other_aud = "mpa-api" if door == "tiler" else "mpa-tiler"
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "control": lambda: _sign(stack, c()),
        "other audience": lambda: _sign(stack, c(aud=other_aud)),
        "no audience": lambda: _sign(stack, c(aud=None)),
        "expired": lambda: _sign(stack, c(iat=now - 1200, nbf=now - 1200, exp=now - 600)),
        "not yet valid": lambda: _sign(stack, c(nbf=now + 600, exp=now + 900)),
        "no expiry": lambda: _sign(stack, c(exp=None)),
        "other issuer": lambda: _sign(stack, c(iss="http://evil.example")),
        "alg none": lambda: _alg_none(c(), _kid(stack)),
        "HS256 with the public key": lambda: _hs256_with_public_key(stack, c()),
        "unknown kid": lambda: _sign(stack, c(), key=stranger, kid="not-a-published-key"),
        "known kid, stranger's key": lambda: _sign(stack, c(), key=stranger),
        "no kid, stranger's key": lambda: _sign(stack, c(), key=stranger, kid=None),
        "EdDSA stranger": lambda: _sign(stack, c(), key=ed25519.Ed25519PrivateKey.generate(), alg="EdDSA"),
        "tampered payload": lambda: _tamper(_sign(stack, c(collections=[], sub=valid_orcid()))),
        "truncated signature": lambda: _sign(stack, c())[:-10],
    }[attack]()


def _tamper(token: str) -> str:
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(collections=[RESTRICTED], sub=DEMO_DEPOSITOR)
    return ".".join([head, _b64(json.dumps(claims).encode()).decode(), sig])


ATTACKS = ["other audience", "no audience", "expired", "not yet valid", "no expiry", "other issuer", "alg none",
           "HS256 with the public key", "unknown kid", "known kid, stranger's key", "no kid, stranger's key",
           "EdDSA stranger", "tampered payload", "truncated signature"]


def _tiler(stack: Stack, token: str, where: str = "header") -> httpx.Response:
    url = f"{stack.tiler.url}/tiles/collections/{RESTRICTED}/items/{RESTRICTED}/info"
    if where == "header":
        return httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return httpx.get(url, params={"access_token": token}, timeout=30)


def _backend(stack: Stack, token: str) -> httpx.Response:
    return httpx.get(f"{stack.backend.url}/api/stac/collections/{RESTRICTED}/items",
                     headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_control_tokens_open_both_doors(stack) -> None:
    assert _tiler(stack, _forge(stack, "tiler", "control")).status_code == 200
    assert _tiler(stack, _forge(stack, "tiler", "control"), "query").status_code == 200
    assert _backend(stack, _forge(stack, "api", "control")).status_code == 200


@pytest.mark.parametrize("attack", ATTACKS)
def test_forged_tokens_are_refused_by_the_tiler(stack, restricted, attack) -> None:
    token = _forge(stack, "tiler", attack)
    for where in ("header", "query"):
        r = _tiler(stack, token, where)
        assert r.status_code == 401, f"{attack} ({where}): {r.status_code} {r.text[:200]}"
        assert r.headers.get("www-authenticate", "").lower().startswith("bearer")
        assert "no-store" in r.headers.get("cache-control", "")


@pytest.mark.parametrize("attack", ATTACKS)
def test_forged_tokens_are_refused_by_the_backend(stack, attack) -> None:
    r = _backend(stack, _forge(stack, "api", attack))
    assert r.status_code == 401, f"{attack}: {r.status_code} {r.text[:200]}"


def test_token_for_another_collection_is_forbidden_at_the_tiler(stack) -> None:
    for scope in (["hf-bathymetry"], [], "hf-sidescan", ["hf-sidescan-x"], [f"{RESTRICTED} "], None):
        token = _sign(stack, _claims(stack, "tiler", collections=scope))
        r = _tiler(stack, token)
        assert r.status_code == 403, f"collections={scope!r}: {r.status_code}"


def test_real_no_grant_token_is_forbidden_and_short_lived(stack) -> None:
    stranger = stack.sign_in(valid_orcid())
    try:
        issued = stranger.post("/api/token").json()
        claims = jwt.decode(issued["access_token"], options={"verify_signature": False})
        assert claims["collections"] == [] and 0 < claims["exp"] - claims["iat"] <= 15 * 60
        assert _tiler(stack, issued["access_token"]).status_code == 403
        # a tiler token is no API credential, and an API token no tiler credential
        assert _backend(stack, issued["access_token"]).status_code == 401
        api = stranger.post("/api/token", params={"audience": "mpa-api"}).json()["access_token"]
        assert _tiler(stack, api).status_code == 401
    finally:
        stranger.close()


def test_tokens_never_reach_the_logs(stack, depositor) -> None:
    """Neither service writes a bearer token it received (header or query string) into its log."""
    token = depositor.post("/api/token").json()["access_token"]
    api = depositor.post("/api/token", params={"audience": "mpa-api"}).json()["access_token"]
    assert _tiler(stack, token, "query").status_code == 200
    assert _tiler(stack, token, "header").status_code == 200
    assert _tiler(stack, token[:-4] + "AAAA", "query").status_code == 401
    vector = httpx.get(f"{stack.tiler.url}/tiles/collections/{RESTRICTED}/items/{RESTRICTED}/WebMercatorQuad/"
                       "tilejson.json", params={"access_token": token}, timeout=30)
    assert vector.status_code == 200
    assert _backend(stack, api).status_code == 200
    assert httpx.get(f"{stack.backend.url}/api/me", params={"access_token": api}, timeout=30).status_code == 200
    signature = token.rsplit(".", 1)[1]
    api_signature = api.rsplit(".", 1)[1]

    def logged() -> str:
        return stack.tiler.log.read_text(errors="replace") + stack.backend.log.read_text(errors="replace")

    # the services log each request after answering it; wait (bounded) until the lines are there
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "tilejson.json" not in logged():
        time.sleep(0.05)  # poll: bounded wait for the log lines
    text = logged()
    assert "tilejson.json" in text, "control: the request was logged at all"
    assert signature not in text, "the tiler token's signature is in a log"
    assert api_signature not in text, "the API token's signature is in a log"
