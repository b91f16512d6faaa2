"""From a selection of images to sample units, per-unit statistics and their summaries.

The glue between `survey` (rows), `sample_units` (pooling), `diversity` (per-unit numbers) and
`summary` (mean, SD, bootstrap CI), so the API and the benchmark call one function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import diversity
from .sample_units import SampleUnits, build_sample_units
from .summary import summarise
from .survey import Survey

__all__ = ["METRIC_UNITS", "UnitTable", "summarise_units", "unit_table"]

METRIC_UNITS: dict[str, str] = {
    "individuals": "ind",
    "density_per_m2": "ind m-2",
    "density_per_ha": "ind ha-1",
    "richness": "taxa",
    "hill_q1": "effective taxa",
    "hill_q2": "effective taxa",
    "pielou_evenness": "1",
    "chao1": "taxa",
    "coverage": "1",
}


@dataclass
class UnitTable:
    units: SampleUnits
    rows: np.ndarray                      # indices into the survey of the selected images
    metrics: dict[str, np.ndarray]        # per-unit columns, keys of METRIC_UNITS
    taxon_density: dict[str, np.ndarray]  # per-unit ind m-2 of each taxon of interest


def unit_table(survey: Survey, rows: np.ndarray, *, taxa: list[str] | None = None,
               taxa_of_interest: list[str] | None = None, target_area_m2: float = 150.0,
               partial: str = "drop") -> UnitTable:
    """Pool the selected rows into sample units and compute every per-unit statistic."""
    cols = survey.taxon_columns(taxa, "taxa")
    interest = survey.taxon_columns(taxa_of_interest or [], "taxa_of_interest")
    # all taxa: pool straight from the survey's matrix; a subset: copy just those columns
    counts, count_rows = (survey.counts, rows) if taxa is None else (survey.counts[np.ix_(rows, cols)], None)
    units = build_sample_units(
        counts=counts, area_m2=survey.area_m2[rows], substratum=survey.substratum[rows],
        longitude=survey.longitude[rows], latitude=survey.latitude[rows], row_id=rows,
        target_area_m2=target_area_m2, partial=partial, count_rows=count_rows,
    )
    metrics = diversity.alpha_table(units.counts, units.area_m2)
    dens = {}
    if len(interest):
        if len(units):
            # sum each unit's own span of images (dropped partial units leave gaps between units)
            csum = np.vstack([np.zeros((1, len(interest))), np.cumsum(survey.counts[np.ix_(rows, interest)], axis=0)])
            full = csum[units.last_row + 1] - csum[units.first_row]
        else:
            full = np.zeros((0, len(interest)))
        for j, name in enumerate(taxa_of_interest or []):
            dens[name] = full[:, j] / units.area_m2
    return UnitTable(units=units, rows=rows, metrics=metrics, taxon_density=dens)


def summarise_units(table: UnitTable, *, n_boot: int = 1000, conf: float = 0.95, seed: int = 0,
                    by_substratum: bool = True) -> list[dict]:
    """Summary rows (group, metric, unit, n, mean, sd, se, CI) over all units and per substratum."""
    names = list(table.metrics) + [f"density_per_m2:{t}" for t in table.taxon_density]
    if len(table.units):
        values = np.column_stack([table.metrics[k] for k in table.metrics] + list(table.taxon_density.values()))
    else:
        values = np.zeros((0, len(names)))
    rng = np.random.default_rng(seed)
    groups: list[tuple[str, np.ndarray]] = [("all", np.ones(len(values), dtype=bool))]
    if by_substratum:
        for s in sorted(set(table.units.substratum.tolist())):
            groups.append((s, table.units.substratum == s))
    out = []
    for label, mask in groups:
        for rec in summarise(values[mask], names, n_boot, conf, rng):
            metric = rec["metric"]
            base, _, taxon = metric.partition(":")
            rec.update(group=label, metric=base, taxon=taxon or None, unit=METRIC_UNITS[base], sd_ddof=1,
                       ci_method="percentile bootstrap of the mean", n_boot=n_boot, conf=conf)
            out.append(rec)
    return out
