"""Short-lived access tokens (JWT) the backend signs: `mpa-tiler` for tiles, `mpa-api` for scripts.

Format (docs/architecture.md): header `alg` RS256/EdDSA and `kid`; claims `iss` = public URL,
`aud`, `sub`, `iat`, `exp` (<= 15 min), `collections` = restricted collection ids readable.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

from ..settings import Settings
from .keys import key_ring

TILER_AUDIENCE = "mpa-tiler"
API_AUDIENCE = "mpa-api"
ALGORITHMS = ["RS256", "EdDSA"]


class TokenError(ValueError):
    pass


def issuer(settings: Settings) -> str:
    return settings.public_url.rstrip("/")


def issue(settings: Settings, *, subject: str, audience: str, collections: list[str],
          extra: dict[str, Any] | None = None) -> tuple[str, int]:
    """(token, expires_at) signed by the newest key."""
    key = key_ring(settings).signing
    now = int(time.time())
    exp = now + settings.access_token_ttl_s
    claims = {
        "iss": issuer(settings), "aud": audience, "sub": subject, "iat": now, "nbf": now, "exp": exp,
        "jti": uuid.uuid4().hex, "collections": sorted(collections), **(extra or {}),
    }
    token = jwt.encode(claims, key.private, algorithm=key.alg, headers={"kid": key.kid, "typ": "JWT"})
    return token, exp


def verify(settings: Settings, token: str, audience: str) -> dict[str, Any]:
    """Claims of a token this backend signed for `audience`; TokenError says why not otherwise.

    The algorithm is taken from our own key (found by kid), never from the token header, so
    `alg: none` and algorithm-confusion tokens are refused.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenError(f"malformed token: {exc}") from exc
    key = key_ring(settings).by_kid(str(header.get("kid", "")))
    if key is None:
        raise TokenError("token signed by an unknown key (kid)")
    if header.get("alg") != key.alg:
        raise TokenError(f"token algorithm {header.get('alg')!r} does not match key {key.alg}")
    try:
        return jwt.decode(
            token, key.private.public_key(), algorithms=[key.alg], audience=audience, issuer=issuer(settings),
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(f"invalid token: {exc}") from exc
