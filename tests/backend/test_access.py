"""Depositor-controlled access on every door, against a real backend process, a real OIDC provider
and both databases (SQLite file and PostgreSQL)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from sqlalchemy import create_engine, select

from mpa_backend.db.models import AuditEntry, CollectionAccess, Grant, User
from tests.backend.test_access_support import (
    DEPOSITOR,
    Backend,
    MiniCatalog,
    sign_in,
    start_backend,
    valid_orcid,
    write_mini_catalog,
)
from tests.fixtures.postgres import fresh_database


@pytest.fixture(scope="module")
def mini_catalog(tmp_path_factory) -> MiniCatalog:
    return write_mini_catalog(tmp_path_factory.mktemp("access-catalog") / "store")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request, mini_catalog, oidc_provider, tmp_path_factory) -> Iterator[Backend]:
    """Its own database: the synchronised collections table must hold this catalogue only, whatever
    other suites (the compose test shares the session's PostgreSQL database) published before."""
    tmp = tmp_path_factory.mktemp(f"access-{request.param}")
    with contextlib.ExitStack() as owned:
        url = (f"sqlite:///{tmp / 'access.sqlite'}" if request.param == "sqlite"
               else owned.enter_context(fresh_database()))
        server = start_backend(tmp, mini_catalog.url, url, oidc_provider)
        yield server
        server.stop()


@pytest.fixture(scope="module")
def depositor(backend, oidc_provider) -> Iterator[httpx.Client]:
    client = sign_in(backend, oidc_provider, DEPOSITOR)
    yield client
    client.close()


def _rows(backend: Backend, model, **where):
    engine = create_engine(backend.database_url)
    try:
        with engine.connect() as conn:
            q = select(model)
            for key, value in where.items():
                q = q.where(getattr(model, key) == value)
            return conn.execute(q).mappings().all()
    finally:
        engine.dispose()


def _doors(client: httpx.Client) -> dict[str, int]:
    """Status of the restricted data at each door the backend owns (search: restricted items found)."""
    item = "/api/collections/hf-sidescan/items/hf-sidescan-00"
    search = client.get("/api/stac/search", params={"collections": "hf-sidescan,hf-bathymetry", "limit": 100})
    assert search.status_code == 200
    found = [f for f in search.json()["features"] if f["collection"] == "hf-sidescan"]
    return {
        "stats": client.get("/api/stats/hf-annotations/density").status_code,
        "points": client.get("/api/collections/hf-annotations/points").status_code,
        "stac_items": client.get("/api/stac/collections/hf-sidescan/items").status_code,
        "stac_item": client.get("/api/stac/collections/hf-sidescan/items/hf-sidescan-00").status_code,
        "download": client.get(item + "/assets/data").status_code,
        "thumbnail": client.get(item + "/thumbnail").status_code,
        "table_download": client.get("/api/collections/hf-annotations/items/hf-annotations-00/assets/data").status_code,
        "search": len(found),
    }


def _all(status: int, found: int = 0) -> dict[str, int]:
    return {door: status for door in ("stats", "points", "stac_items", "stac_item", "download", "thumbnail",
                                      "table_download")} | {"search": found}


def _tiler_scope(client: httpx.Client, backend: Backend) -> list[str]:
    """The tiler's view: verify the token against the published JWKS as the tiler does, read its scope."""
    r = client.post("/api/token")
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    jwks = httpx.get(f"{backend.url}/api/.well-known/jwks.json").json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid))
    claims = jwt.decode(token, key.key, algorithms=["RS256", "EdDSA"], audience="mpa-tiler", issuer=backend.url)
    assert claims["exp"] - claims["iat"] <= 15 * 60
    return claims["collections"]


def test_sign_in_records_the_person_and_me_says_who(backend, oidc_provider) -> None:
    orcid = valid_orcid()
    client = sign_in(backend, oidc_provider, orcid)
    me = client.get("/api/me").json()
    assert me["authenticated"] and me["orcid"] == orcid and me["subject"] == orcid and me["provider"] == "orcid"
    assert "hf-bathymetry" in me["collections"] and "hf-sidescan" not in me["collections"]
    assert me["manages"] == []
    users = _rows(backend, User, subject=orcid)
    assert len(users) == 1 and users[0]["orcid"] == orcid
    cookie = next(c for c in client.cookies.jar if c.name == "mpa_session")
    attrs = {k.lower(): v for k, v in cookie._rest.items()}
    assert "httponly" in attrs and str(attrs.get("samesite")).lower() == "lax"
    assert not cookie.secure, "Secure is off only because this backend's public URL is http://127.0.0.1"


def test_collection_access_and_depositor_are_synchronised_from_the_catalogue(backend, depositor) -> None:
    assert depositor.post("/api/token").status_code == 200
    rows = {r["id"]: (r["access"], r["depositor"]) for r in _rows(backend, CollectionAccess)}
    assert rows == {"hf-bathymetry": ("public", DEPOSITOR), "hf-sidescan": ("restricted", DEPOSITOR),
                    "hf-annotations": ("restricted", DEPOSITOR)}


def test_anonymous_sees_restricted_collections_locked_but_no_data(backend) -> None:
    with httpx.Client(base_url=backend.url) as anon:
        listed = {c["id"]: c for c in anon.get("/api/collections").json()}
        assert listed["hf-sidescan"]["locked"] and not listed["hf-bathymetry"]["locked"]
        assert _doors(anon) == _all(401)
        assert anon.post("/api/token").status_code == 401
        assert anon.get("/api/me").json() == {**anon.get("/api/me").json(), "authenticated": False}


def test_depositor_reads_and_manages_their_collection(depositor) -> None:
    me = depositor.get("/api/me").json()
    assert set(me["manages"]) >= {"hf-sidescan", "hf-annotations"}
    assert _doors(depositor) == _all(200, 3)
    assert depositor.get("/api/collections/hf-sidescan/grants").status_code == 200


def test_only_the_depositor_or_an_admin_grants(backend, oidc_provider, depositor) -> None:
    other = sign_in(backend, oidc_provider, valid_orcid())
    target = valid_orcid()
    r = other.post("/api/collections/hf-sidescan/grants", json={"person": target})
    assert r.status_code == 403 and "depositor" in r.json()["detail"]
    assert other.get("/api/collections/hf-sidescan/grants").status_code == 403
    assert other.delete("/api/collections/hf-sidescan/grants", params={"person": target}).status_code == 403
    with httpx.Client(base_url=backend.url) as anon:
        assert anon.post("/api/collections/hf-sidescan/grants", json={"person": target}).status_code == 401
    bad = depositor.post("/api/collections/hf-sidescan/grants", json={"person": "0000-0002-1825-0098"})
    assert bad.status_code == 422 and "check digit" in bad.json()["detail"]
    assert depositor.post("/api/collections/nope/grants", json={"person": target}).status_code == 404

    r = depositor.post("/api/collections/hf-sidescan/grants", json={"person": f"https://orcid.org/{target}"})
    assert r.status_code == 201, r.text
    assert r.json()["person"] == target and r.json()["granted_by"] == DEPOSITOR and r.json()["active"]
    listed = depositor.get("/api/collections/hf-sidescan/grants").json()
    assert [g["person"] for g in listed if g["person"] == target] == [target]
    assert depositor.delete(f"/api/collections/hf-sidescan/grants/{target}").status_code == 204
    assert depositor.delete(f"/api/collections/hf-sidescan/grants/{target}").status_code == 404


def test_no_grant_refused_everywhere_then_granted_then_refused_after_revocation(
    backend, oidc_provider, depositor
) -> None:
    orcid = valid_orcid()
    user = sign_in(backend, oidc_provider, orcid)
    assert _doors(user) == _all(403)
    assert _tiler_scope(user, backend) == []

    for cid in ("hf-sidescan", "hf-annotations"):
        assert depositor.post(f"/api/collections/{cid}/grants", json={"person": orcid}).status_code == 201
    assert _doors(user) == _all(200, 3)
    assert _tiler_scope(user, backend) == ["hf-annotations", "hf-sidescan"]
    assert set(user.get("/api/me").json()["restricted_collections"]) == {"hf-annotations", "hf-sidescan"}

    for cid in ("hf-sidescan", "hf-annotations"):
        assert depositor.delete(f"/api/collections/{cid}/grants", params={"person": orcid}).status_code == 204
    assert _doors(user) == _all(403)
    assert _tiler_scope(user, backend) == []

    trail = depositor.get("/api/collections/hf-annotations/audit").json()
    mine = [(e["action"], e["actor"]) for e in trail if e["actor"] == orcid or e["detail"].get("person") == orcid]
    assert ("grant.add", DEPOSITOR) in mine and ("grant.revoke", DEPOSITOR) in mine
    assert ("read", orcid) in mine
    rows = _rows(backend, AuditEntry, actor=orcid, action="read")
    assert {r["collection_id"] for r in rows} == {"hf-annotations", "hf-sidescan"}
    assert {r["detail"]["door"] for r in rows} >= {"api", "stac", "download"}
    assert any(r["detail"].get("asset") == "data" and r["detail"].get("item") == "hf-sidescan-00" for r in rows)


def test_downloads_serve_the_published_bytes_and_never_raw_store_urls(backend, depositor, mini_catalog) -> None:
    item = depositor.get("/api/stac/collections/hf-sidescan/items/hf-sidescan-00").json()
    href = item["assets"]["data"]["href"]
    assert href == f"{backend.url}/api/collections/hf-sidescan/items/hf-sidescan-00/assets/data"
    assert "restricted/" not in json.dumps(item) and "file://" not in json.dumps(item)
    r = depositor.get(href)
    assert r.status_code == 200 and r.content == mini_catalog.files[("hf-sidescan", "hf-sidescan-00", "data")].read_bytes()
    assert r.headers["cache-control"] == "private, no-store"
    thumb = depositor.get("/api/collections/hf-sidescan/items/hf-sidescan-00/thumbnail")
    assert thumb.headers["content-type"] == "image/png" and thumb.content.startswith(b"\x89PNG")
    with httpx.Client(base_url=backend.url) as anon:
        public = anon.get("/api/collections/hf-bathymetry/items/hf-bathymetry-01/thumbnail")
        assert public.status_code == 200 and public.content.startswith(b"\x89PNG")
        assert "immutable" in public.headers["cache-control"]
        assert anon.get("/api/collections/hf-bathymetry/items/nope/assets/data").status_code == 404
        assert anon.get("/api/collections/hf-bathymetry/items/hf-bathymetry-01/assets/..%2F..%2Fcatalog.json").status_code == 404


def test_grant_by_email_to_someone_who_never_signed_in(backend, oidc_provider, depositor) -> None:
    email = f"new.person.{valid_orcid()[-4:]}@example.org".lower()  # an iD may end in X
    r = depositor.post("/api/collections/hf-annotations/grants", json={"person": email.upper()})
    assert r.status_code == 201 and r.json()["kind"] == "email" and r.json()["person"] == email
    assert not _rows(backend, User, email=email), "they have not signed in yet"
    oid = "6f1d0000-0000-4000-8000-" + valid_orcid().replace("-", "")[:12]
    user = sign_in(backend, oidc_provider, "ms-" + oid, provider="microsoft", oid=oid, email=email, name="New Person")
    me = user.get("/api/me").json()
    assert me["provider"] == "microsoft" and me["subject"] == oid and me["email"] == email and me["orcid"] is None
    assert _doors(user)["stats"] == 200 and _doors(user)["stac_items"] == 403, "granted one collection, not the other"
    assert depositor.delete("/api/collections/hf-annotations/grants", params={"person": email}).status_code == 204
    assert _doors(user)["stats"] == 403


def test_expired_grant_gives_no_access(backend, oidc_provider, depositor) -> None:
    orcid = valid_orcid()
    user = sign_in(backend, oidc_provider, orcid)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    r = depositor.post("/api/collections/hf-annotations/grants", json={"person": orcid, "expires_at": past})
    assert r.status_code == 201 and r.json()["active"] is False
    assert _doors(user)["stats"] == 403
    r = depositor.post("/api/collections/hf-annotations/grants", json={"person": orcid, "expires_in_days": 1})
    assert r.status_code == 200 and r.json()["active"] is True, "re-granting updates the expiry"
    assert _doors(user)["stats"] == 200
    grants = _rows(backend, Grant, person=orcid)
    assert len(grants) == 1
    depositor.delete("/api/collections/hf-annotations/grants", params={"person": orcid})


def test_sign_out_ends_the_session(backend, oidc_provider) -> None:
    user = sign_in(backend, oidc_provider, valid_orcid())
    assert user.get("/api/me").json()["authenticated"]
    assert user.post("/api/auth/logout").status_code == 200
    assert user.get("/api/me").json()["authenticated"] is False
