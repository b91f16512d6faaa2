"""Restricted collections: only a valid token that grants the collection reads them; errors tell nothing."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient

from mpa_tiler.main import create_app
from mpa_tiler.settings import Settings
from tests.tiler.conftest import ISSUER
from tests.tiler.helpers import bathy_url, inner_tile


def _urls(catalogue):
    base = bathy_url(catalogue, "restricted")
    t = inner_tile(catalogue, 14)
    return {
        "tile": f"{base}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png",
        "tilejson": f"{base}/WebMercatorQuad/tilejson.json",
        "info": f"{base}/info",
        "statistics": f"{base}/statistics",
        "point": f"{base}/point/-8.075,50.305",
        "wmts": f"{base}/WMTSCapabilities.xml",
        "preview": f"{base}/preview.png",
        "bbox": f"{base}/bbox/-8.08,50.30,-8.07,50.31.png",
        "tilesets": f"{base}/tiles",
    }


def _assert_no_leak(resp):
    body = resp.text
    for secret in ("-8.08", "50.3", "bounds", "565000", "float32", "deep_r", "minzoom", "-9999"):
        assert secret not in body, (secret, body)
    assert resp.headers["cache-control"] == "no-store"
    assert "etag" not in resp.headers


@pytest.mark.parametrize("what", ["tile", "tilejson", "info", "statistics", "point", "wmts", "preview", "bbox", "tilesets"])
def test_restricted_needs_a_token(client, catalogue, what):
    r = client.get(_urls(catalogue)[what])
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    _assert_no_leak(r)


@pytest.mark.parametrize("what", ["tile", "tilejson", "info", "point", "wmts"])
def test_restricted_with_a_valid_token(client, catalogue, make_token, what):
    token = make_token()
    r = client.get(_urls(catalogue)[what], headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    if what != "tilejson":
        return
    assert r.json()["bounds"][0] < -8.08
    assert "access_token" not in r.json()["tiles"][0]  # header tokens are not copied into URLs


def test_token_in_query_string_and_eddsa(client, catalogue, make_token):
    token = make_token(key="ed")
    r = client.get(_urls(catalogue)["tile"], params={"access_token": token})
    assert r.status_code == 200
    assert r.headers["cache-control"].startswith("private")
    tj = client.get(_urls(catalogue)["tilejson"], params={"access_token": token}).json()
    assert f"access_token={token}" in tj["tiles"][0]  # the browser needs it on every tile request


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _claims(collections=("hf2012-bathymetry-restricted",)):
    return {"aud": "mpa-tiler", "iss": ISSUER, "exp": int(time.time()) + 600, "collections": list(collections)}


def _forged(kind: str, make_token, signing_keys) -> str:
    if kind == "alg-none":
        return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'rsa-1'})}.{_b64(_claims())}."
    if kind == "hs256-with-public-key":
        pem = signing_keys["rsa"].public_key().public_bytes(serialization.Encoding.PEM,
                                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        import hashlib
        import hmac

        header, payload = _b64({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}), _b64(_claims())
        sig = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"
    if kind == "expired":
        return make_token(exp_in=-120)
    if kind == "wrong-audience":
        return make_token(aud="mpa-backend")
    if kind == "wrong-issuer":
        return make_token(iss="http://evil.test")
    if kind == "no-expiry":
        return make_token(exp_in=None) if False else jwt.encode(
            {k: v for k, v in _claims().items() if k != "exp"}, signing_keys["rsa"], algorithm="RS256",
            headers={"kid": "rsa-1"})
    if kind == "tampered":
        good = make_token(collections=["some-other"])
        header, _, sig = good.split(".")
        return f"{header}.{_b64(_claims())}.{sig}"
    if kind == "unknown-key":
        return make_token(key="other_rsa")
    if kind == "garbage":
        return "not-a-jwt"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["alg-none", "hs256-with-public-key", "expired", "wrong-audience", "wrong-issuer",
                                  "no-expiry", "tampered", "unknown-key", "garbage"])
def test_bad_tokens_are_refused(client, catalogue, make_token, signing_keys, kind):
    token = _forged(kind, make_token, signing_keys)
    for url in (_urls(catalogue)["tile"], _urls(catalogue)["info"]):
        r = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, (kind, r.text)
        _assert_no_leak(r)


def test_token_for_another_collection_is_forbidden(client, catalogue, make_token):
    r = client.get(_urls(catalogue)["tile"], headers={"Authorization": f"Bearer {make_token(['hf2012-bathymetry'])}"})
    assert r.status_code == 403
    _assert_no_leak(r)


def test_cached_tile_and_etag_do_not_bypass_access(client, catalogue, make_token):
    """A tile rendered for an authorised caller is in the cache; an anonymous caller still gets 401."""
    url = _urls(catalogue)["tile"]
    ok = client.get(url, headers={"Authorization": f"Bearer {make_token()}"})
    assert ok.status_code == 200
    etag = ok.headers["etag"]
    for headers in ({}, {"If-None-Match": etag}, {"Authorization": f"Bearer {make_token(['x'])}", "If-None-Match": etag}):
        r = client.get(url, headers=headers)
        assert r.status_code in (401, 403)
        _assert_no_leak(r)


def test_public_layers_need_no_token(client, catalogue):
    r = client.get(_urls(catalogue)["tile"].replace("hf2012-bathymetry-restricted", "hf2012-bathymetry"))
    assert r.status_code == 200
    assert r.headers["cache-control"].startswith("public")


def test_static_public_key_setting(catalogue, make_token, signing_keys, tmp_path):
    pem = signing_keys["ed"].public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    app = create_app(Settings(catalog_url=f"file://{catalogue.root}", token_public_key=pem, token_issuer=ISSUER,
                              cache_dir=tmp_path))
    c = TestClient(app)
    url = _urls(catalogue)["point"]
    assert c.get(url, headers={"Authorization": f"Bearer {make_token(key='ed')}"}).status_code == 200
    assert c.get(url, headers={"Authorization": f"Bearer {make_token(key='rsa')}"}).status_code == 401


def test_no_keys_configured_means_no_restricted_data(catalogue, make_token, tmp_path):
    c = TestClient(create_app(Settings(catalog_url=f"file://{catalogue.root}", cache_dir=tmp_path)))
    r = c.get(_urls(catalogue)["point"], headers={"Authorization": f"Bearer {make_token()}"})
    assert r.status_code == 401
