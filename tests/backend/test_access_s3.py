"""Downloads from an S3 store (real SeaweedFS): granted callers get a short-lived presigned URL of
the restricted object, whose raw URL is not readable without a signature; others get 401/403."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.backend.test_access_support import (
    DEPOSITOR,
    Backend,
    MiniCatalog,
    sign_in,
    start_backend,
    valid_orcid,
    write_mini_catalog,
)

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def s3_catalog(seaweedfs, tmp_path_factory) -> tuple[MiniCatalog, str]:
    cat = write_mini_catalog(tmp_path_factory.mktemp("s3-catalog") / "store")
    bucket = seaweedfs.make_bucket("access")
    client = seaweedfs.client()
    for path in cat.root.rglob("*"):
        if path.is_file():
            client.upload_file(str(path), bucket, "published/" + str(path.relative_to(cat.root)))
    return cat, f"s3://{bucket}/published"


@pytest.fixture(scope="module")
def backend(s3_catalog, seaweedfs, oidc_provider, tmp_path_factory) -> Iterator[Backend]:
    from mpa_backend.store import resolve

    # The backend follows the catalogue's relative links on S3 with this; without it nothing loads.
    assert resolve("s3://bucket/published/catalog.json", "./collections/c/h/collection.json") == \
        "s3://bucket/published/collections/c/h/collection.json", "mpa_backend.store.resolve breaks s3:// hrefs"
    tmp = tmp_path_factory.mktemp("access-s3")
    saved = {k: os.environ.get(k) for k in seaweedfs.env()}
    os.environ.update(seaweedfs.env())  # the backend process inherits the S3 endpoint and keys
    try:
        server = start_backend(tmp, s3_catalog[1], f"sqlite:///{tmp / 's3.sqlite'}", oidc_provider,
                               MPA_BACKEND_PRESIGN_TTL_S="120")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield server
    server.stop()


def test_granted_download_is_a_presigned_redirect_to_the_restricted_object(backend, oidc_provider, seaweedfs,
                                                                           s3_catalog) -> None:
    cat, _ = s3_catalog
    path = "/api/collections/hf-sidescan/items/hf-sidescan-01/assets/data"
    with httpx.Client(base_url=backend.url) as anon:
        assert anon.get(path).status_code == 401
    user = sign_in(backend, oidc_provider, valid_orcid())
    assert user.get(path, follow_redirects=False).status_code == 403

    depositor = sign_in(backend, oidc_provider, DEPOSITOR)
    r = depositor.get(path, follow_redirects=False)
    assert r.status_code == 307 and r.headers["cache-control"] == "no-store"
    presigned = r.headers["location"]
    parsed = urlparse(presigned)
    query = parse_qs(parsed.query)
    assert presigned.startswith(seaweedfs.endpoint_url) and query["X-Amz-Expires"] == ["120"]
    assert "/published/restricted/assets/" in parsed.path
    got = httpx.get(presigned)
    assert got.status_code == 200
    assert got.content == cat.files[("hf-sidescan", "hf-sidescan-01", "data")].read_bytes()
    assert "hf-sidescan-01-data.tif" in got.headers.get("content-disposition", "")
    raw = httpx.get(f"{parsed.scheme}://{parsed.netloc}{parsed.path}")
    assert raw.status_code in (401, 403), "without a signature the store refuses"

    thumb = depositor.get("/api/collections/hf-bathymetry/items/hf-bathymetry-00/thumbnail")
    assert thumb.status_code == 200 and thumb.content.startswith(b"\x89PNG"), "redirect followed to a public thumbnail"
