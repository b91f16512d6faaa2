"""Access tokens: who may read a restricted collection.

The backend signs a short-lived JWT (RS256/ES256/EdDSA, ``kid`` in the header) listing the
restricted collections its bearer may read; the tiler verifies it with the backend's public keys
(JWKS, cached) or a static public key. Only asymmetric algorithms are accepted, so ``alg: none``
and HS256 signed with the public key as a shared secret are refused before any key is used.
Errors say *why* a token failed but never anything about the layer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import HTTPException, Request
from jwt import PyJWK

from mpa_tiler.catalog import Layer
from mpa_tiler.settings import Settings

ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}


class AccessDenied(HTTPException):
    """401 (no/invalid token) or 403 (valid token, collection not granted); body holds no layer data."""

    def __init__(self, status_code: int, detail: str):
        headers = {"Cache-Control": "no-store"}
        if status_code == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="mpa-tiler"'
        super().__init__(status_code=status_code, detail=detail, headers=headers)


class _JWKSCache:
    """Fetches the JWKS at most once per TTL, and again at once for an unknown ``kid`` (key rotation)."""

    def __init__(self, url: str, ttl: float):
        self.url, self.ttl = url, ttl
        self._keys: dict[str, PyJWK] = {}
        self._fetched = -1e18
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        import httpx

        resp = httpx.get(self.url, timeout=5.0)
        resp.raise_for_status()
        keys = {}
        for jwk in resp.json().get("keys", []):
            try:
                key = PyJWK(jwk)
            except jwt.PyJWTError:
                continue
            keys[jwk.get("kid", "")] = key
        self._keys, self._fetched = keys, time.monotonic()

    def get(self, kid: str) -> PyJWK | None:
        with self._lock:
            stale = time.monotonic() - self._fetched > self.ttl
            if stale or (kid not in self._keys and time.monotonic() - self._fetched > 5.0):
                try:
                    self._fetch()
                except Exception:  # noqa: BLE001 - backend unreachable: keep the keys we have
                    if not self._keys:
                        return None
            return self._keys.get(kid)


@dataclass
class TokenVerifier:
    settings: Settings

    def __post_init__(self):
        self._jwks = _JWKSCache(self.settings.jwks_url, self.settings.jwks_ttl) if self.settings.jwks_url else None
        self._static_key = None
        if self.settings.token_public_key:
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            self._static_key = load_pem_public_key(self.settings.token_public_key.encode())
        self.algorithms = [a for a in self.settings.token_algorithms if a in ASYMMETRIC]

    @property
    def configured(self) -> bool:
        return bool(self._jwks or self._static_key)

    def claims(self, token: str) -> dict[str, Any]:
        """Verified claims of ``token`` or AccessDenied(401)."""
        if not self.configured:
            raise AccessDenied(401, "access tokens are not configured on this tiler")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AccessDenied(401, "malformed access token") from None
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise AccessDenied(401, f"access token algorithm {alg!r} is not accepted")
        key = None
        if self._jwks is not None:
            jwk = self._jwks.get(header.get("kid", ""))
            if jwk is not None:
                if jwk.algorithm_name not in (alg, None) and jwk.algorithm_name != alg:
                    raise AccessDenied(401, "access token algorithm does not match its key")
                key = jwk.key
        if key is None:
            key = self._static_key
        if key is None:
            raise AccessDenied(401, "access token signed by an unknown key")
        options = {"require": ["exp", "aud"] + (["iss"] if self.settings.token_issuer else [])}
        try:
            return jwt.decode(
                token, key=key, algorithms=[alg], audience=self.settings.token_audience,
                issuer=self.settings.token_issuer, options=options, leeway=5,
            )
        except jwt.ExpiredSignatureError:
            raise AccessDenied(401, "access token expired") from None
        except jwt.InvalidAudienceError:
            raise AccessDenied(401, "access token has the wrong audience") from None
        except jwt.InvalidIssuerError:
            raise AccessDenied(401, "access token has the wrong issuer") from None
        except (jwt.PyJWTError, TypeError, ValueError):  # PyJWT raises TypeError for a key of another family
            raise AccessDenied(401, "invalid access token") from None


def request_token(request: Request) -> str | None:
    """The bearer token of a request: ``Authorization: Bearer …`` or ``?access_token=…``."""
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("access_token") or None


def authorize(layer: Layer, request: Request, verifier: TokenVerifier) -> None:
    """Let the request read ``layer`` or raise AccessDenied (nothing about the layer in the error)."""
    if layer.restricted:
        authorize_collection(layer.collection_id, request, verifier)


def authorize_collection(collection_id: str, request: Request, verifier: TokenVerifier) -> None:
    """Let the request read restricted ``collection_id`` or raise AccessDenied."""
    token = request_token(request)
    if not token:
        raise AccessDenied(401, "this layer needs an access token")
    claims = verifier.claims(token)
    granted = claims.get("collections")
    if not isinstance(granted, list) or collection_id not in granted:
        raise AccessDenied(403, "the access token does not grant this collection")
