"""Production refuses development defaults: a check that names the variable to set."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..settings import Settings


class ProductionConfigError(RuntimeError):
    pass


MIN_SECRET_LEN = 32
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
KNOWN_DEV_SECRETS = {"dev", "development", "change-me", "changeme", "secret", "insecure", "test"}


def problems(settings: Settings) -> list[str]:
    found: list[str] = []
    if not settings.signing_keys:
        found.append("MPA_BACKEND_SIGNING_KEYS is not set: production will not sign tokens with a generated "
                     "development key (give PEM file paths or inline PEM, newest first)")
    else:
        from .keys import KeyConfigError, load_key

        for source in settings.signing_keys:
            try:
                load_key(source)
            except KeyConfigError as exc:
                found.append(str(exc))
    secret = settings.session_secret.get_secret_value() if settings.session_secret else ""
    if not secret:
        found.append("MPA_BACKEND_SESSION_SECRET is not set: production will not use a generated development secret")
    elif len(secret) < MIN_SECRET_LEN or secret.lower() in KNOWN_DEV_SECRETS:
        found.append(f"MPA_BACKEND_SESSION_SECRET looks like a development secret: use at least {MIN_SECRET_LEN} "
                     "random characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    public = urlsplit(settings.public_url)
    if public.scheme == "http" and (public.hostname or "") not in LOOPBACK_HOSTS:
        found.append(f"MPA_BACKEND_PUBLIC_URL is {settings.public_url!r}: over plain http the session cookie and "
                     "access tokens travel unencrypted; serve the site over https (plain http only on loopback)")
    if settings.cookie_secure is False and public.scheme == "https":
        found.append("MPA_BACKEND_COOKIE_SECURE=false on an https site: the session cookie would also be sent "
                     "over plain http; remove the setting")
    if any(o.strip() == "*" for o in settings.cors_origins):
        found.append("MPA_BACKEND_CORS_ORIGINS contains '*': a wildcard origin with credentials is refused; "
                     "list the front end's origins")
    for p in settings.providers():
        if p.client_secret is None or not p.client_secret.get_secret_value():
            var = {"orcid": "MPA_BACKEND_ORCID_CLIENT_SECRET", "microsoft": "MPA_BACKEND_MICROSOFT_CLIENT_SECRET"}.get(
                p.name, f"MPA_BACKEND_OIDC_PROVIDERS[name={p.name}].client_secret")
            found.append(f"{var} is not set: sign-in with {p.title} needs its client secret")
    return found


def check(settings: Settings) -> None:
    """Raise ProductionConfigError listing every problem, when MPA_BACKEND_ENV=production."""
    if settings.env != "production":
        return
    found = problems(settings)
    if found:
        raise ProductionConfigError("refusing to start in production:\n  - " + "\n  - ".join(found))
