"""Signing keys: RSA and Ed25519 from PEM, RFC 7638 kids, rotation order, clear errors for bad keys."""

from __future__ import annotations

import base64
import hashlib
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mpa_backend.auth.keys import KeyConfigError, key_ring, load_key, pem_of
from mpa_backend.auth.tokens import TILER_AUDIENCE, TokenError, issue, verify
from mpa_backend.settings import Settings


def _settings(tmp_path, *privates) -> Settings:
    tmp_path.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, key in enumerate(privates):
        p = tmp_path / f"k{i}.pem"
        p.write_text(pem_of(key))
        paths.append(str(p))
    return Settings(signing_keys=paths, public_url="https://twin.example.org", access_token_ttl_s=600)


def test_ed25519_key_signs_eddsa_tokens_verifiable_from_the_jwks(tmp_path) -> None:
    settings = _settings(tmp_path, ed25519.Ed25519PrivateKey.generate())
    token, exp = issue(settings, subject="0000-0002-1825-0097", audience=TILER_AUDIENCE, collections=["b", "a"])
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    jwk = key_ring(settings).jwks()["keys"][0]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk and jwk["kid"] == header["kid"]
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"], audience="mpa-tiler",
                        issuer="https://twin.example.org")
    assert claims["collections"] == ["a", "b"] and claims["exp"] == exp
    assert verify(settings, token, TILER_AUDIENCE)["sub"] == "0000-0002-1825-0097"


def test_kid_is_the_rfc7638_thumbprint(tmp_path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    loaded = load_key(pem_of(key))
    n = key.public_key().public_numbers().n
    members = {"e": "AQAB", "kty": "RSA",
               "n": base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()}
    expected = base64.urlsafe_b64encode(
        hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()).rstrip(b"=")
    assert loaded.kid == expected.decode()


def test_removing_an_old_key_stops_its_tokens(tmp_path) -> None:
    new, old = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    before = _settings(tmp_path / "a", old)
    token, _ = issue(before, subject="s", audience=TILER_AUDIENCE, collections=[])
    during = _settings(tmp_path / "b", new, old)
    assert verify(during, token, TILER_AUDIENCE)["sub"] == "s"
    fresh, _ = issue(during, subject="s", audience=TILER_AUDIENCE, collections=[])
    assert jwt.get_unverified_header(fresh)["kid"] == key_ring(during).keys[0].kid != jwt.get_unverified_header(token)["kid"]
    after = _settings(tmp_path / "c", new)
    with pytest.raises(TokenError, match="unknown key"):
        verify(after, token, TILER_AUDIENCE)
    assert verify(after, fresh, TILER_AUDIENCE)["sub"] == "s"


def test_bad_keys_are_named(tmp_path) -> None:
    (tmp_path / "junk.pem").write_text("not a key")
    with pytest.raises(KeyConfigError, match="junk.pem"):
        load_key(str(tmp_path / "junk.pem"))
    with pytest.raises(KeyConfigError, match="cannot read key file"):
        load_key(str(tmp_path / "missing.pem"))
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(KeyConfigError, match="1024 bits"):
        load_key(pem_of(small))


def test_token_lifetime_cannot_exceed_fifteen_minutes() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="access_token_ttl_s"):
        Settings(access_token_ttl_s=901)
