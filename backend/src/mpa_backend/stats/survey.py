"""An annotation table as numpy arrays, and the selection of its rows (area, classes, dates, taxa).

The table (one row per image, wide taxon count columns) is converted once to column arrays so
every request works on numpy, not on DataFrame rows. Selections are boolean masks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

__all__ = ["SelectionError", "Survey", "select", "survey_from_frame"]


class SelectionError(ValueError):
    """A selection that names something the survey does not have (field given in `field`)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass
class Survey:
    taxa: list[str]
    counts: np.ndarray                    # (images, taxa) int
    area_m2: np.ndarray
    longitude: np.ndarray
    latitude: np.ndarray
    substratum: np.ndarray                # str
    habitat: np.ndarray                   # str
    datetime_ns: np.ndarray | None        # int64 ns since epoch (UTC) or None
    image_id: np.ndarray                  # str
    _taxon_index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._taxon_index = {t: i for i, t in enumerate(self.taxa)}

    def __len__(self) -> int:
        return len(self.area_m2)

    def taxon_columns(self, taxa: list[str] | None, field_name: str = "taxa") -> np.ndarray:
        """Column indices of `taxa` (all when None); unknown names raise SelectionError listing them."""
        if taxa is None:
            return np.arange(len(self.taxa))
        unknown = [t for t in taxa if t not in self._taxon_index]
        if unknown:
            raise SelectionError(field_name, f"unknown taxa {unknown}; this survey has {len(self.taxa)} taxa, e.g. {self.taxa[:5]}")
        return np.array([self._taxon_index[t] for t in taxa], dtype=int)


def _strings(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[column].astype("string").fillna("").to_numpy(dtype=object)


def survey_from_frame(frame: pd.DataFrame, taxa: list[str]) -> Survey:
    """Column arrays of an annotation table already in survey (time) order."""
    dt = None
    if "datetime" in frame.columns:
        values = pd.to_datetime(frame["datetime"], utc=True, errors="coerce")
        dt = values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    image_col = "id_image" if "id_image" in frame.columns else ("filename" if "filename" in frame.columns else None)
    ids = frame[image_col].astype(str).to_numpy(dtype=object) if image_col else np.arange(len(frame)).astype(str)
    counts = frame[taxa].to_numpy()
    # C order: units gather whole rows (a DataFrame's to_numpy() is often column-major)
    counts = np.ascontiguousarray(counts, dtype=np.int32 if counts.size == 0 or counts.max(initial=0) < 2**31 else np.int64)
    return Survey(
        taxa=list(taxa), counts=counts, area_m2=frame["area_seabed_m2"].to_numpy(dtype=float),
        longitude=frame["longitude"].to_numpy(dtype=float), latitude=frame["latitude"].to_numpy(dtype=float),
        substratum=_strings(frame, "substratum"), habitat=_strings(frame, "habitat"), datetime_ns=dt, image_id=ids,
    )


def _geometry(geojson: dict):
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    if geojson.get("type") == "FeatureCollection":
        geoms = [_geometry(f) for f in geojson.get("features", [])]
        return shapely.union_all(geoms)
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException) as exc:
        raise SelectionError("polygon", f"not a GeoJSON geometry: {exc}") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise SelectionError("polygon", f"expected a Polygon or MultiPolygon, got {geom.geom_type}")
    if not geom.is_valid:
        raise SelectionError("polygon", f"invalid polygon: {shapely.is_valid_reason(geom)}")
    return geom


def _to_ns(value: datetime | str) -> int:
    return int(pd.Timestamp(value).tz_localize("UTC").value if pd.Timestamp(value).tzinfo is None
               else pd.Timestamp(value).tz_convert("UTC").value)


def select(survey: Survey, *, polygon: dict | None = None, bbox: list[float] | None = None,
           substrata: list[str] | None = None, habitats: list[str] | None = None,
           start: datetime | str | None = None, end: datetime | str | None = None) -> np.ndarray:
    """Indices of the selected images, in survey order. Every criterion given must hold (AND)."""
    mask = np.ones(len(survey), dtype=bool)
    if bbox is not None:
        if len(bbox) != 4 or not (bbox[0] <= bbox[2] and bbox[1] <= bbox[3]):
            raise SelectionError("bbox", "bbox must be [min_lon, min_lat, max_lon, max_lat] with min <= max")
        mask &= (survey.longitude >= bbox[0]) & (survey.longitude <= bbox[2])
        mask &= (survey.latitude >= bbox[1]) & (survey.latitude <= bbox[3])
    if substrata:
        known = set(survey.substratum.tolist())
        unknown = [s for s in substrata if s not in known]
        if unknown:
            raise SelectionError("substrata", f"unknown substrata {unknown}; present: {sorted(known)}")
        mask &= np.isin(survey.substratum, substrata)
    if habitats:
        known = set(survey.habitat.tolist())
        unknown = [s for s in habitats if s not in known]
        if unknown:
            raise SelectionError("habitats", f"unknown habitats {unknown}; present: {sorted(known)}")
        mask &= np.isin(survey.habitat, habitats)
    if start is not None or end is not None:
        if survey.datetime_ns is None:
            raise SelectionError("start", "this survey has no image datetimes")
        if start is not None:
            mask &= survey.datetime_ns >= _to_ns(start)
        if end is not None:
            mask &= survey.datetime_ns <= _to_ns(end)
    if polygon is not None:
        geom = _geometry(polygon)
        minx, miny, maxx, maxy = geom.bounds
        cand = mask & (survey.longitude >= minx) & (survey.longitude <= maxx)
        cand &= (survey.latitude >= miny) & (survey.latitude <= maxy)
        idx = np.flatnonzero(cand)
        shapely.prepare(geom)
        inside = shapely.contains_xy(geom, survey.longitude[idx], survey.latitude[idx])
        mask = np.zeros(len(survey), dtype=bool)
        mask[idx[inside]] = True
    return np.flatnonzero(mask)
