"""Relative STAC links resolve the same way in every store the catalogue can move to."""

from __future__ import annotations

import pytest

from mpa_backend.store import resolve


@pytest.mark.parametrize("base", [
    "s3://bucket/published/catalog.json",
    "gs://bucket/published/catalog.json",
    "file:///srv/published/catalog.json",
    "https://data.example.org/published/catalog.json",
])
def test_relative_links_resolve_below_the_document(base: str) -> None:
    root = base.rsplit("/", 1)[0]
    assert resolve(base, "./collections/c/h/collection.json") == f"{root}/collections/c/h/collection.json"
    assert resolve(f"{root}/collections/c/h/collection.json", "../../../assets/ab/x.tif") == f"{root}/assets/ab/x.tif"


def test_absolute_hrefs_are_kept() -> None:
    assert resolve("s3://bucket/catalog.json", "s3://other/x.json") == "s3://other/x.json"
