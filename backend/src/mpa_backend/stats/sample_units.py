"""Sample units: consecutive images along the track pooled within one substratum to a target area.

Rule (vectorised, no loop over images): images are taken in survey (time) order; a *run* is a
maximal stretch of consecutive images with the same substratum and no image removed in between
(by the selection). Within a run, image i covers the cumulative-area interval
[A_(i-1), A_i); it goes to unit floor((A_(i-1) + a_i/2) / target), i.e. the unit whose
target-sized bin holds the image's midpoint. Every unit except a run's last therefore has an
area within one image area of the target (half an image at each end). A run's last unit is
*partial* when its area falls short of the target by more than one median image area; partial units are dropped (default) or kept,
and the response reports how many were dropped, with their images and area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import sparse

__all__ = ["SampleUnits", "build_sample_units"]


@dataclass
class SampleUnits:
    """Units in survey order. `counts` is (units, taxa); per-unit columns are 1-D arrays."""

    counts: np.ndarray
    area_m2: np.ndarray
    images: np.ndarray
    substratum: np.ndarray
    first_row: np.ndarray          # index (into the selected rows) of each unit's first image
    last_row: np.ndarray
    longitude: np.ndarray          # area-weighted centroid of the unit's images
    latitude: np.ndarray
    target_area_m2: float
    partial_policy: str
    dropped_units: int
    dropped_images: int
    dropped_area_m2: float

    def __len__(self) -> int:
        return len(self.area_m2)


def build_sample_units(
    counts: np.ndarray,
    area_m2: np.ndarray,
    substratum: np.ndarray,
    longitude: np.ndarray,
    latitude: np.ndarray,
    row_id: np.ndarray | None = None,
    target_area_m2: float = 150.0,
    partial: Literal["drop", "keep"] = "drop",
    count_rows: np.ndarray | None = None,
) -> SampleUnits:
    """Pool image rows (already selected and in time order) into sample units.

    `row_id` is each row's position in the unfiltered table; a jump in it breaks a run, so a unit
    never bridges images that the selection removed (e.g. outside the polygon).
    With `count_rows`, `counts` is the whole survey's matrix and image i's counts are
    counts[count_rows[i]] (saves copying the selected rows of a large table).
    """
    if not target_area_m2 > 0:
        raise ValueError(f"target_area_m2 must be > 0, got {target_area_m2}")
    if partial not in ("drop", "keep"):
        raise ValueError(f"partial must be 'drop' or 'keep', got {partial!r}")
    counts = np.asarray(counts)
    area = np.asarray(area_m2, dtype=float)
    sub = np.asarray(substratum).astype(str)
    n = len(area)
    if (counts.shape[0] != n and count_rows is None) or len(sub) != n:
        raise ValueError("counts, area and substratum must have one row per image")
    if n and (not np.all(np.isfinite(area)) or np.any(area <= 0)):
        raise ValueError("area_seabed_m2 must be positive for every selected image")
    if n == 0:
        empty = np.empty(0)
        return SampleUnits(np.zeros((0, counts.shape[1] if counts.ndim == 2 else 0)), empty, empty.astype(int),
                           empty.astype(str), empty.astype(int), empty.astype(int), empty, empty,
                           float(target_area_m2), partial, 0, 0, 0.0)
    row_id = np.arange(n) if row_id is None else np.asarray(row_id)
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (sub[1:] != sub[:-1]) | (np.diff(row_id) != 1)
    run = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    cum = np.cumsum(area)
    before = cum - area
    offset = before[run_start][run]              # cumulative area at the start of each image's run
    within = before - offset + area / 2
    k = np.floor(within / target_area_m2).astype(np.int64)
    # unit boundaries: a new unit starts at a new run or when the bin index changes
    new_unit = new_run.copy()
    new_unit[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(new_unit)
    ends = np.append(starts[1:], n) - 1
    u_area = np.add.reduceat(area, starts)
    # units x images 0/1 matrix times the count matrix: one sparse product instead of a strided reduceat
    unit_of_row = np.cumsum(new_unit) - 1
    cols = np.arange(n) if count_rows is None else np.asarray(count_rows)
    member = sparse.csr_matrix((np.ones(n, dtype=counts.dtype), (unit_of_row, cols)),
                               shape=(len(starts), counts.shape[0]))
    u_counts = np.asarray(member @ counts)
    w_lon = np.add.reduceat(np.asarray(longitude, dtype=float) * area, starts) / u_area
    w_lat = np.add.reduceat(np.asarray(latitude, dtype=float) * area, starts) / u_area
    u_images = ends - starts + 1
    last_of_run = np.append(new_run[starts[1:]], True)
    tolerance = float(np.median(area))
    is_partial = last_of_run & (u_area < target_area_m2 - tolerance)
    keep = ~is_partial if partial == "drop" else np.ones(len(starts), dtype=bool)
    dropped = ~keep
    return SampleUnits(
        counts=u_counts[keep], area_m2=u_area[keep], images=u_images[keep], substratum=sub[starts][keep],
        first_row=starts[keep], last_row=ends[keep], longitude=w_lon[keep], latitude=w_lat[keep],
        target_area_m2=float(target_area_m2), partial_policy=partial,
        dropped_units=int(dropped.sum()), dropped_images=int(u_images[dropped].sum()),
        dropped_area_m2=float(u_area[dropped].sum()),
    )
