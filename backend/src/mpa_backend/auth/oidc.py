"""OpenID Connect clients (authlib's Starlette integration), one per configured provider.

authlib reads each provider's discovery document and JWKS, and on the callback verifies the ID
token's signature, issuer, audience (our client id), expiry and the nonce we stored in the
signed session; `claims_from_token` refuses a token response that skipped that verification.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth

from ..settings import OIDCProvider, Settings
from .access import Identity
from .people import normalise_email, normalise_orcid


class SignInError(ValueError):
    pass


def build_oauth(settings: Settings) -> OAuth:
    oauth = OAuth()
    for p in settings.providers():
        kwargs: dict[str, Any] = {"scope": p.scope, "token_endpoint_auth_method": p.token_endpoint_auth_method}
        if p.pkce:
            kwargs["code_challenge_method"] = "S256"
        oauth.register(
            p.name,
            client_id=p.client_id,
            client_secret=p.client_secret.get_secret_value() if p.client_secret else None,
            server_metadata_url=p.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs=kwargs,
            **({"authorize_url": p.authorize_url} if p.authorize_url else {}),
        )
    return oauth


def identity_from_claims(provider: OIDCProvider, claims: dict[str, Any]) -> Identity:
    subject = claims.get(provider.subject_claim) or (claims.get("sub") if provider.subject_claim == "sub" else None)
    if not subject:
        raise SignInError(f"{provider.title} sent no {provider.subject_claim!r} claim in its ID token")
    subject = str(subject)
    orcid = None
    if provider.orcid:
        orcid = normalise_orcid(subject)
        if orcid is None:
            raise SignInError(f"{provider.title} subject {subject!r} is not a valid ORCiD iD")
        subject = orcid
    email = claims.get("email")
    if email and claims.get("email_verified") is False:
        email = None  # an unverified address must not unlock grants made to that address
    name = claims.get("name") or " ".join(x for x in (claims.get("given_name"), claims.get("family_name")) if x) or None
    return Identity(provider.name, subject, orcid, normalise_email(email), name)
