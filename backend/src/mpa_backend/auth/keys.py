"""The backend's signing keys for access tokens, and their public JWKS.

Rotation without downtime: configure the new key first in MPA_BACKEND_SIGNING_KEYS and keep the
old one after it. The newest signs; every key is published, so tokens signed by the old key keep
verifying (at most access_token_ttl_s) until the old key is removed. `kid` is the RFC 7638
thumbprint of the public key, so all replicas agree on it without configuration.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ..settings import Settings

log = logging.getLogger(__name__)


class KeyConfigError(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(n: int) -> str:
    return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class SigningKey:
    private: Any
    kid: str
    alg: str
    public_jwk: dict[str, str]
    development: bool = False


def _describe(private: Any, development: bool = False) -> SigningKey:
    if isinstance(private, rsa.RSAPrivateKey):
        if private.key_size < 2048:
            raise KeyConfigError(f"RSA signing key has {private.key_size} bits; at least 2048 are needed")
        pub = private.public_key().public_numbers()
        members = {"e": _int_b64(pub.e), "kty": "RSA", "n": _int_b64(pub.n)}
        alg = "RS256"
    elif isinstance(private, ed25519.Ed25519PrivateKey):
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}
        alg = "EdDSA"
    else:
        raise KeyConfigError(f"unsupported signing key type {type(private).__name__}: use RSA (RS256) or Ed25519 (EdDSA)")
    thumbprint = _b64(hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest())
    jwk = {**members, "kid": thumbprint, "alg": alg, "use": "sig"}
    return SigningKey(private, thumbprint, alg, jwk, development)


def load_key(source: str) -> SigningKey:
    """A key from inline PEM or from a PEM file path (error names which entry failed)."""
    text = source.strip()
    where = "inline PEM"
    if not text.startswith("-----BEGIN"):
        path = Path(text)
        where = str(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise KeyConfigError(f"MPA_BACKEND_SIGNING_KEYS: cannot read key file {path}: {exc}") from exc
    try:
        private = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyConfigError(f"MPA_BACKEND_SIGNING_KEYS: {where} is not an unencrypted PEM private key: {exc}") from exc
    return _describe(private)


def generate_dev_key() -> SigningKey:
    return _describe(rsa.generate_private_key(public_exponent=65537, key_size=2048), development=True)


def pem_of(private: Any) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class KeyRing:
    def __init__(self, keys: list[SigningKey]) -> None:
        if not keys:
            raise KeyConfigError("no signing keys")
        self.keys = keys

    @property
    def signing(self) -> SigningKey:
        return self.keys[0]

    @property
    def development(self) -> bool:
        return any(k.development for k in self.keys)

    def by_kid(self, kid: str) -> SigningKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [k.public_jwk for k in self.keys]}


_rings: dict[tuple[str, ...], KeyRing] = {}
_lock = threading.Lock()


def key_ring(settings: Settings) -> KeyRing:
    """Configured keys; in development without any, one generated key per process."""
    sources = tuple(settings.signing_keys)
    with _lock:
        if sources not in _rings:
            if sources:
                _rings[sources] = KeyRing([load_key(s) for s in sources])
            else:
                log.warning("no MPA_BACKEND_SIGNING_KEYS: using a generated development key (refused in production)")
                _rings[sources] = KeyRing([generate_dev_key()])
        return _rings[sources]
