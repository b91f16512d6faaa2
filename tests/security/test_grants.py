"""Attack 5: who may grant, what a grant is worth, and how long a revoked person keeps reading tiles."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from tests.backend.test_access_support import valid_orcid
from tests.security.conftest import DEMO_DEPOSITOR, RESTRICTED, Stack

GRANTS = f"/api/collections/{RESTRICTED}/grants"


def _tile_info(stack: Stack, token: str) -> int:
    return httpx.get(f"{stack.tiler.url}/tiles/collections/{RESTRICTED}/items/{RESTRICTED}/info",
                     headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code


def _microsoft(stack: Stack, **claims) -> httpx.Client:
    """Sign in through the Microsoft-style provider, which passes the e-mail claim on."""
    from tests.backend.test_access_support import sign_in

    oid = "6f1d0000-0000-4000-8000-" + valid_orcid().replace("-", "")[:12]
    client = sign_in(stack.backend, stack.oidc, "ms-" + oid, provider="microsoft", oid=oid, **claims)
    assert client.get("/api/me").json()["provider"] == "microsoft"
    return client


def _reads(client: httpx.Client) -> int:
    return client.get(f"/api/stac/collections/{RESTRICTED}/items").status_code


def test_a_stranger_cannot_grant_themselves(stack: Stack) -> None:
    me = valid_orcid()
    stranger = stack.sign_in(me)
    try:
        for body in ({"person": me}, {"person": f"https://orcid.org/{me}"}, {"person": me.lower()}):
            assert stranger.post(GRANTS, json=body).status_code == 403
        assert stranger.get(GRANTS).status_code == 403
        assert stranger.get(f"/api/collections/{RESTRICTED}/audit").status_code == 403
        assert stranger.delete(GRANTS, params={"person": DEMO_DEPOSITOR}).status_code == 403
        assert RESTRICTED not in {g["collection"] for g in stranger.get("/api/grants").json()}
        assert _reads(stranger) == 403
    finally:
        stranger.close()


def test_a_grantee_cannot_pass_the_grant_on(stack: Stack, depositor) -> None:
    grantee, friend = valid_orcid(), valid_orcid()
    assert depositor.post(GRANTS, json={"person": grantee}).status_code == 201
    client = stack.sign_in(grantee)
    try:
        assert _reads(client) == 200, "control: the grant works"
        assert client.post(GRANTS, json={"person": friend}).status_code == 403
        assert client.post(GRANTS, json={"person": grantee, "expires_in_days": 3650}).status_code == 403
        assert client.delete(GRANTS, params={"person": grantee}).status_code == 403
        assert client.get(GRANTS).status_code == 403
        assert client.get("/api/grants").json() == []
        assert "manages" in client.get("/api/me").json() and client.get("/api/me").json()["manages"] == []
    finally:
        client.close()
    friend_client = stack.sign_in(friend)
    try:
        assert _reads(friend_client) == 403
    finally:
        friend_client.close()


@pytest.mark.parametrize("expiry", [(datetime.now(UTC) - timedelta(days=1)).isoformat(), "1970-01-01T00:00:00Z"])
def test_a_grant_expiring_in_the_past_opens_nothing(stack: Stack, depositor, expiry) -> None:
    person = valid_orcid()
    r = depositor.post(GRANTS, json={"person": person, "expires_at": expiry})
    assert r.status_code == 422 or (r.status_code == 201 and r.json()["active"] is False), r.text
    client = stack.sign_in(person)
    try:
        assert _reads(client) == 403
        assert client.post("/api/token").json()["collections"] == []
    finally:
        client.close()


@pytest.mark.parametrize("body", [
    '{"expires_in_days": -1}', '{"expires_in_days": 0}', '{"expires_in_days": 1e12}',
    '{"expires_in_days": Infinity}', '{"expires_in_days": NaN}', '{"expires_at": "not a date"}',
    '{"expires_at": "9999-12-31T23:59:59Z", "expires_in_days": 1}',
])
def test_bad_expiries_are_refused(depositor, body) -> None:
    person = valid_orcid()
    content = body.replace("{", f'{{"person": "{person}", ', 1)
    r = depositor.post(GRANTS, content=content, headers={"content-type": "application/json"})
    assert r.status_code == 422, f"{body}: {r.status_code} {r.text[:200]}"
    assert person not in {g["person"] for g in depositor.get(GRANTS).json()}


@pytest.mark.parametrize("person,stored", [
    ("0000-0002-1825-0098", None),  # wrong check digit
    ("0000-0002-1825-009", None),
    ("0000000218250097", None),
    ("https://evil.example/0000-0002-1825-0097", None),
    ("https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097"),
    ("  0000-0002-1825-0097 ", "0000-0002-1825-0097"),
    ("Alice.Smith@Example.ORG", "alice.smith@example.org"),
    ("not an address", None),
    ("a@b", None),
    ("", None),
    ("x" * 5000 + "@example.org", None),
])
def test_people_are_named_canonically(depositor, person, stored) -> None:
    r = depositor.post(GRANTS, json={"person": person})
    if stored is None:
        assert r.status_code == 422, f"{person!r:.60}: {r.status_code} {r.text[:200]}"
    else:
        assert r.status_code in (200, 201) and r.json()["person"] == stored
        assert depositor.delete(GRANTS, params={"person": person.strip()}).status_code == 204


def test_orcid_with_lower_case_x_is_the_same_person() -> None:
    from mpa_backend.auth.people import normalise_person

    assert normalise_person("0000-0002-1694-233x") == ("0000-0002-1694-233X", "orcid")  # ORCiD's own example
    with pytest.raises(ValueError, match="check digit"):
        normalise_person("0000-0002-1694-2330")


def test_email_grant_matches_any_case_of_the_verified_address(stack: Stack, depositor) -> None:
    local = f"alice.{valid_orcid().replace('-', '')[:8]}"
    assert depositor.post(GRANTS, json={"person": f"{local.title()}@Example.org"}).status_code == 201
    for claimed in (f"{local}@example.org", f"{local.upper()}@EXAMPLE.ORG"):
        client = _microsoft(stack, email=claimed, email_verified=True)
        try:
            assert _reads(client) == 200, claimed
        finally:
            client.close()
    unverified = _microsoft(stack, email=f"{local}@example.org", email_verified=False)
    try:
        assert _reads(unverified) == 403
    finally:
        unverified.close()


def test_an_email_claim_that_looks_like_an_orcid_is_not_that_orcid(stack: Stack, depositor) -> None:
    """A provider that lets people type their own e-mail must not let them claim someone's ORCiD iD."""
    holder = valid_orcid()
    assert depositor.post(GRANTS, json={"person": holder}).status_code == 201
    impostor = _microsoft(stack, email=holder, email_verified=True)
    try:
        assert _reads(impostor) == 403
    finally:
        impostor.close()
    depositor_by_email = _microsoft(stack, email=DEMO_DEPOSITOR)
    try:
        assert depositor_by_email.get(GRANTS).status_code == 403
    finally:
        depositor_by_email.close()


def test_a_microsoft_account_is_not_the_orcid_depositor(stack: Stack) -> None:
    """The depositor is an ORCiD iD; a Microsoft object id spelled the same is someone else."""
    client = httpx.Client(base_url=stack.backend.url, follow_redirects=True, timeout=30)
    stack.oidc.set_user(DEMO_DEPOSITOR, oid=DEMO_DEPOSITOR)
    form = client.get("/api/auth/login/microsoft", params={"next": "/api/me"})
    me = client.post(str(form.url), data={"sub": DEMO_DEPOSITOR})
    try:
        assert me.status_code == 200 and me.json()["provider"] == "microsoft", me.text
        assert me.json()["orcid"] is None and me.json()["manages"] == []
        assert _reads(client) == 403
        assert client.post(GRANTS, json={"person": valid_orcid()}).status_code == 403
    finally:
        client.close()


def test_revocation_window_at_the_tiler_is_the_token_lifetime(stack: Stack, depositor) -> None:
    """Revocation is immediate at the backend; a tiler token already issued lives on until `exp` (<= 15 min)."""
    person = valid_orcid()
    assert depositor.post(GRANTS, json={"person": person}).status_code == 201
    client = stack.sign_in(person)
    try:
        issued = client.post("/api/token").json()
        token = issued["access_token"]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert RESTRICTED in claims["collections"]
        assert claims["exp"] - claims["iat"] <= 15 * 60 and issued["expires_in"] <= 15 * 60
        assert claims["exp"] - time.time() <= 15 * 60
        assert _tile_info(stack, token) == 200
        api = client.post("/api/token", params={"audience": "mpa-api"}).json()["access_token"]
        bearer = {"Authorization": f"Bearer {api}"}
        items = f"{stack.backend.url}/api/stac/collections/{RESTRICTED}/items"
        assert httpx.get(items, headers=bearer, timeout=30).status_code == 200
        assert depositor.delete(GRANTS, params={"person": person}).status_code == 204
        assert _reads(client) == 403, "the backend door closes at once"
        assert httpx.get(items, headers=bearer, timeout=30).status_code == 403, \
            "an API token carries identity, not scope: the revocation applies to it at once"
        fresh = client.post("/api/token").json()
        assert fresh["collections"] == [] and _tile_info(stack, fresh["access_token"]) == 403
        # documented window: the old token still opens tiles until it expires
        assert _tile_info(stack, token) == 200
    finally:
        client.close()
