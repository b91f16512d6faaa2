"""Annotation tables (GeoParquet), read once per process and cached by asset checksum."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from . import store
from .catalog import CollectionInfo

META_COLUMNS = (
    "filename", "id_image", "datetime", "latitude", "longitude", "depth_m",
    "area_seabed_m2", "substratum", "habitat", "geometry",
)


@lru_cache(maxsize=16)
def _read(url: str, sha256: str | None) -> pd.DataFrame:
    path = store.local_copy(url, sha256)
    frame = pd.read_parquet(path)
    return frame.drop(columns=["geometry"], errors="ignore")


def annotation_table(collection: CollectionInfo) -> pd.DataFrame:
    """All rows of a table collection (items concatenated), in survey (time) order."""
    if collection.kind != "table":
        raise ValueError(f"collection {collection.id!r} is not an annotation table (kind {collection.kind!r})")
    frames = [_read(item.asset_url("data"), item.asset_sha256("data")) for _, item in sorted(collection.items.items())]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if "datetime" in frame.columns:
        frame = frame.sort_values("datetime", kind="stable", ignore_index=True)
    return frame


def taxa_of(collection: CollectionInfo, frame: pd.DataFrame) -> list[str]:
    taxa = collection.stac.get("mpa:taxa")
    if taxa:
        return [t for t in taxa if t in frame.columns]
    return [c for c in frame.columns if c not in META_COLUMNS and pd.api.types.is_integer_dtype(frame[c])]
