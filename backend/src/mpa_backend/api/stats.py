"""Statistics routes: typed requests and responses over the pure `mpa_backend.stats` package.

Every route reads a table collection through the catalogue (never a caller-supplied path),
asks `ensure_can_read` first, and answers numbers with their units. Tables can be downloaded as
CSV with `?format=csv` (or `Accept: text/csv`) and `&table=<name>` where a response holds several.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator

from ..auth.deps import Principal, current_principal, ensure_can_read
from ..catalog import CollectionInfo, Snapshot, get_catalogue, get_collection
from ..stats import analysis, curves, inext, power, simulation
from ..stats.compare import compare as compare_values
from ..stats.survey import SelectionError, Survey, select, survey_from_frame
from ..tables import annotation_table, taxa_of

router = APIRouter(prefix="/api/stats", tags=["statistics"])

# numpy seeds are unsigned 32-bit: anything else is a 422 here, not a 500 inside the generator.
Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="random seed (reproducible results)")]

# ---------------------------------------------------------------------------------------------
# data access: one Survey (numpy columns) per table version, built once per process
# ---------------------------------------------------------------------------------------------

_surveys: OrderedDict[tuple, Survey] = OrderedDict()
_lock = threading.Lock()


def _survey(collection: CollectionInfo) -> Survey:
    if collection.kind != "table":
        raise HTTPException(422, f"collection {collection.id!r} is not an annotation table (kind {collection.kind!r})")
    key = (collection.id,) + tuple((i, item.asset_sha256("data") or item.asset_url("data"))
                                   for i, item in sorted(collection.items.items()))
    with _lock:
        if key in _surveys:
            _surveys.move_to_end(key)
            return _surveys[key]
    frame = annotation_table(collection)
    survey = survey_from_frame(frame, taxa_of(collection, frame))
    with _lock:
        _surveys[key] = survey
        while len(_surveys) > 8:
            _surveys.popitem(last=False)
    return survey


def _readable(snapshot: Snapshot, principal: Principal | None, collection_id: str) -> CollectionInfo:
    collection = get_collection(snapshot, collection_id)
    ensure_can_read(principal, collection, door="stats")
    return collection


def _unprocessable(field: str, message: str) -> HTTPException:
    return HTTPException(422, detail=[{"loc": ["body", field], "msg": message, "type": "value_error"}])


# ---------------------------------------------------------------------------------------------
# request models
# ---------------------------------------------------------------------------------------------


class Selection(BaseModel):
    """Which images of the survey to use. All given criteria must hold."""

    polygon: dict[str, Any] | None = Field(None, description="GeoJSON Polygon/MultiPolygon (or Feature), lon/lat EPSG:4326")
    bbox: list[float] | None = Field(None, min_length=4, max_length=4, description="[min_lon, min_lat, max_lon, max_lat]")
    substrata: list[str] | None = Field(None, description="keep only these substratum classes")
    habitats: list[str] | None = Field(None, description="keep only these habitat classes")
    start: datetime | None = Field(None, description="first image time (inclusive)")
    end: datetime | None = Field(None, description="last image time (inclusive)")
    taxa: list[str] | None = Field(None, description="restrict diversity statistics to these taxa (default all)")


class UnitOptions(BaseModel):
    target_area_m2: float = Field(150.0, gt=0, le=1e6, description="seabed area pooled into one sample unit")
    partial: Literal["drop", "keep"] = Field("drop", description="what to do with a run's last unit when it falls short of the target")


class SummaryRequest(BaseModel):
    selection: Selection = Selection()
    units: UnitOptions = UnitOptions()
    taxa_of_interest: list[str] = Field(default_factory=list, description="taxa whose densities are reported, e.g. pentapora_foliacea")
    n_boot: int = Field(1000, ge=0, le=20000)
    conf: float = Field(0.95, gt=0, lt=1)
    seed: Seed = 0
    include_units: bool = Field(True, description="list every sample unit (false: summary only, smaller answer)")


class RarefactionRequest(BaseModel):
    selection: Selection = Selection()
    datatype: Literal["abundance", "incidence"] = Field(
        "abundance", description="abundance: individuals pooled over images; incidence: presence in sample units "
                                 "(sizes are then numbers of sample units)")
    units: UnitOptions = UnitOptions()
    by_substratum: bool = False
    orders: list[Literal[0, 1, 2]] = [0, 1, 2]
    knots: int = Field(40, ge=4, le=200)
    endpoint: int | None = Field(None, ge=1, description="largest sample size (individuals); default twice the reference")
    nboot: int = Field(50, ge=0, le=1000)
    conf: float = Field(0.95, gt=0, lt=1)
    seed: Seed = 0


class CumulativeRequest(BaseModel):
    selection: Selection = Selection()
    units: UnitOptions = UnitOptions()
    orderings: int = Field(50, ge=2, le=1000)
    points: int = Field(30, ge=2, le=200)
    seed: Seed = 0


MetricName = Literal["density_per_m2", "density_per_ha", "richness", "hill_q1", "hill_q2", "pielou_evenness",
                     "chao1", "coverage", "individuals"]


class SurveySelection(BaseModel):
    collection: str
    selection: Selection = Selection()


class CompareRequest(BaseModel):
    a: SurveySelection
    b: SurveySelection
    units: UnitOptions = UnitOptions()
    metrics: list[MetricName] = ["density_per_m2", "richness", "hill_q1", "hill_q2"]
    taxa_of_interest: list[str] = Field(default_factory=list)
    n_boot: int = Field(1000, ge=0, le=20000)
    n_perm: int = Field(1999, ge=0, le=100000, description="Monte Carlo permutations (p resolution 1/(n_perm+1))")
    conf: float = Field(0.95, gt=0, lt=1)
    seed: Seed = 0


class SimulationRequest(BaseModel):
    selection: Selection = Selection()
    units: UnitOptions = UnitOptions()
    metric: Literal["density", "richness", "taxon_density"] = "density"
    taxon: str | None = Field(None, description="taxon for metric 'taxon_density'")
    model: Literal["negbin", "bootstrap"] = Field("negbin", description="negbin for counts; bootstrap resamples unit values (richness always)")
    delta_percent: float = Field(..., gt=0, le=1000, allow_inf_nan=False, description="change to detect, % of the mean")
    direction: Literal["decrease", "increase"] = "decrease"
    alpha: float = Field(0.05, gt=0, lt=1)
    power: float = Field(0.8, gt=0, lt=1, description="target power, to report the smallest n reaching it")
    tails: Literal[1, 2] = 2
    n_per_group: list[int] = Field(default_factory=lambda: [5, 10, 15, 20, 30, 40, 60, 80, 100, 150, 200])
    replicates: int = Field(1000, ge=10, le=20000)
    seed: Seed = 0

    @field_validator("n_per_group")
    @classmethod
    def _ns(cls, v: list[int]) -> list[int]:
        if not v or any(n < 2 or n > 100000 for n in v) or len(v) > 50:
            raise ValueError("n_per_group: 1-50 values, each between 2 and 100000")
        return sorted(set(v))


class UnitSizeRequest(BaseModel):
    selection: Selection = Selection()
    areas_m2: list[float] = Field(default_factory=lambda: [25, 50, 75, 100, 150, 200, 300, 500])
    partial: Literal["drop", "keep"] = "drop"
    metric: MetricName = "density_per_m2"
    delta_percent: float = Field(20.0, gt=0, le=1000, allow_inf_nan=False)
    alpha: float = Field(0.05, gt=0, lt=1)
    power: float = Field(0.8, gt=0, lt=1)
    tails: Literal[1, 2] = 2

    @field_validator("areas_m2")
    @classmethod
    def _areas(cls, v: list[float]) -> list[float]:
        if not v or len(v) > 50 or any(a <= 0 for a in v):
            raise ValueError("areas_m2: 1-50 positive areas")
        return sorted(set(v))


# ---------------------------------------------------------------------------------------------
# response models (numbers with units; never preformatted strings)
# ---------------------------------------------------------------------------------------------


class UnitRow(BaseModel):
    unit: int
    substratum: str
    images: int
    area_m2: float
    longitude: float
    latitude: float
    first_image: str
    last_image: str
    individuals: float = Field(description="ind")
    density_per_m2: float | None = Field(description="ind m-2")
    density_per_ha: float | None = Field(description="ind ha-1")
    richness: float = Field(description="observed taxa (Hill N0)")
    hill_q1: float | None = Field(description="exp(Shannon entropy, natural log), effective taxa (Hill N1)")
    hill_q2: float | None = Field(description="inverse Simpson concentration, effective taxa (Hill N2)")
    pielou_evenness: float | None = Field(description="H / ln S; null when S < 2")
    chao1: float | None = Field(description="Chao1 as iNEXT computes it: S + (n-1)/n f1^2/(2 f2), "
                                            "or S + (n-1)/n f1(f1-1)/2 when f2 = 0 (Chao 1987)")
    coverage: float | None = Field(description="sample coverage estimate of Chao & Jost (2012), 0-1")
    taxon_density_per_m2: dict[str, float | None] = Field(default_factory=dict, description="ind m-2 per taxon of interest")


class SummaryRow(BaseModel):
    group: str = Field(description="'all' or a substratum class")
    metric: str
    taxon: str | None = None
    unit: str = Field(description="unit of measure of mean/sd/CI, e.g. 'ind m-2'")
    n: int
    mean: float | None
    sd: float | None
    sd_ddof: int
    se: float | None
    ci_low: float | None
    ci_high: float | None
    ci_method: str
    n_boot: int
    conf: float


class UnitsInfo(BaseModel):
    target_area_m2: float
    partial_policy: str
    rule: str
    units: int
    dropped_partial_units: int
    dropped_images: int
    dropped_area_m2: float


class SummaryResponse(BaseModel):
    collection: str
    images_selected: int
    area_selected_m2: float
    taxa: list[str]
    sample_units: UnitsInfo
    units: list[UnitRow]
    summary: list[SummaryRow]


class SurveyOptions(BaseModel):
    """What a selection can name in this survey (for building analysis forms)."""

    collection: str
    images: int
    area_m2: float
    taxa: list[str]
    substrata: list[str]
    habitats: list[str]
    start: datetime | None
    end: datetime | None
    bbox: list[float] = Field(description="[min_lon, min_lat, max_lon, max_lat] of the image positions")


class SubstratumDensity(BaseModel):
    substratum: str
    images: int
    area_m2: float
    individuals: int
    density_per_m2: float


class InextRow(BaseModel):
    group: str
    order: int
    m: float = Field(description="sample size: individuals (abundance) or sample units (incidence)")
    method: str
    qD: float | None
    qD_lcl: float | None
    qD_ucl: float | None
    coverage: float | None
    coverage_lcl: float | None = None
    coverage_ucl: float | None = None


class AsymptoticRow(BaseModel):
    group: str
    order: int
    diversity: str
    observed: float | None
    estimator: float | None
    lcl: float | None
    ucl: float | None
    n: int
    coverage: float | None


class RarefactionResponse(BaseModel):
    collection: str
    datatype: str
    size_unit: str
    method: str
    nboot: int
    conf: float
    asymptotic: list[AsymptoticRow]
    size_based: list[InextRow]
    coverage_based: list[InextRow]


class CurveRow(BaseModel):
    metric: str
    unit: str
    units: int
    area_m2: float
    mean: float | None
    sd: float | None
    orderings: int


class CumulativeResponse(BaseModel):
    collection: str
    sample_units: UnitsInfo
    sd_ddof: int = 1
    curves: list[CurveRow]


class CompareRow(BaseModel):
    metric: str
    taxon: str | None = None
    unit: str
    n_a: int
    n_b: int
    mean_a: float | None
    mean_b: float | None
    sd_a: float | None
    sd_b: float | None
    difference: float | None = Field(description="mean_b - mean_a")
    percent_change: float | None
    ci_low: float | None
    ci_high: float | None
    welch_t: float | None
    welch_df: float | None
    welch_p: float | None
    permutation_p: float | None
    hedges_g: float | None
    hedges_g_ci_low: float | None
    hedges_g_ci_high: float | None
    n_boot: int
    n_perm: int
    conf: float


class CompareResponse(BaseModel):
    a: str
    b: str
    units_a: UnitsInfo
    units_b: UnitsInfo
    comparisons: list[CompareRow]


class AnalyticPowerResponse(BaseModel):
    delta_percent: float
    cv: float
    alpha: float
    power: float
    tails: int
    effect_size: float = Field(description="d = (delta%/100) / CV")
    n_per_group_iterated: float = Field(description="Sokal & Rohlf iterated-t formula, before rounding up")
    n_per_group_iterated_ceil: int
    iterations: list[float]
    n_per_group_exact: float = Field(description="noncentral-t solution (R power.t.test), before rounding up")
    n_per_group_exact_ceil: int
    power_at_exact_ceil: float
    curve: list[dict[str, float]] = Field(description="exact power at n per group")


class PowerRow(BaseModel):
    n_per_group: int
    power: float
    mc_se: float
    replicates: int


class SimulationResponse(BaseModel):
    collection: str
    metric: str
    taxon: str | None
    unit: str
    model: str
    delta_percent: float
    direction: str
    alpha: float
    tails: int
    target_power: float
    pilot_units: int
    pilot_mean: float
    pilot_sd: float
    pilot_cv: float | None
    negbin_mean_count: float | None = None
    negbin_size_k: float | None = None
    unit_area_m2: float
    n_required: int | None = Field(description="smallest simulated n per group reaching the target power")
    analytic_n_per_group: float | None = Field(description="noncentral-t n for the pilot CV, for comparison")
    curve: list[PowerRow]
    sample_units: UnitsInfo


class UnitSizeRow(BaseModel):
    target_area_m2: float
    units: int
    mean: float | None
    sd: float | None
    cv: float | None
    n_per_group_exact: float | None
    n_per_group_ceil: int | None
    total_area_per_group_m2: float | None


class UnitSizeResponse(BaseModel):
    collection: str
    metric: str
    unit: str
    delta_percent: float
    alpha: float
    power: float
    tails: int
    rows: list[UnitSizeRow]


# ---------------------------------------------------------------------------------------------
# CSV download
# ---------------------------------------------------------------------------------------------


def _flatten(row: dict) -> dict:
    out = {}
    for k, v in row.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                out[f"{k}:{kk}"] = vv
        elif isinstance(v, list):
            out[k] = ";".join(str(x) for x in v)
        else:
            out[k] = v
    return out


def _csv(rows: list[dict], filename: str) -> Response:
    flat = [_flatten(r) for r in rows]
    columns: list[str] = []
    for r in flat:
        columns.extend(c for c in r if c not in columns)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in flat:
        writer.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _respond(request: Request, fmt: str | None, table: str | None, model: BaseModel, tables: dict[str, str],
             stem: str):
    """The model as JSON, or one of its list fields as CSV (`tables` maps table name -> field)."""
    if not _wants_csv(request, fmt):
        return model
    name = table or next(iter(tables))
    if name not in tables:
        raise HTTPException(422, detail=[{"loc": ["query", "table"], "type": "value_error",
                                          "msg": f"unknown table {name!r}; choose one of {sorted(tables)}"}])
    rows = [r.model_dump() if isinstance(r, BaseModel) else r for r in getattr(model, tables[name])]
    return _csv(rows, f"{stem}-{name}.csv")


FormatQuery = Annotated[str | None, Query(pattern="^(json|csv)$",
                                          description="'csv' to download a table (or send Accept: text/csv)")]
TableQuery = Annotated[str | None, Query(description="which table to download as CSV")]
SnapshotDep = Annotated[Snapshot, Depends(get_catalogue)]
PrincipalDep = Annotated[Principal | None, Depends(current_principal)]

# ---------------------------------------------------------------------------------------------
# shared steps
# ---------------------------------------------------------------------------------------------

UNIT_RULE = ("consecutive images in time order, within one substratum and with no image removed in between, "
             "pooled by the midpoint of each image's cumulative-area interval into target-area bins; a run's "
             "last unit is partial when it falls short of the target by more than one median image area")


def _rows(survey: Survey, sel: Selection, prefix: str = "selection") -> np.ndarray:
    try:
        return select(survey, polygon=sel.polygon, bbox=sel.bbox, substrata=sel.substrata, habitats=sel.habitats,
                      start=sel.start, end=sel.end)
    except SelectionError as exc:
        raise _unprocessable(f"{prefix}.{exc.field}", str(exc)) from None


def _unit_table(survey: Survey, rows: np.ndarray, sel: Selection, units: UnitOptions,
                taxa_of_interest: list[str], prefix: str = "selection") -> analysis.UnitTable:
    try:
        return analysis.unit_table(survey, rows, taxa=sel.taxa, taxa_of_interest=taxa_of_interest,
                                   target_area_m2=units.target_area_m2, partial=units.partial)
    except SelectionError as exc:
        field = exc.field if exc.field == "taxa_of_interest" else f"{prefix}.{exc.field}"
        raise _unprocessable(field, str(exc)) from None


def _units_info(table: analysis.UnitTable) -> UnitsInfo:
    u = table.units
    return UnitsInfo(target_area_m2=u.target_area_m2, partial_policy=u.partial_policy, rule=UNIT_RULE, units=len(u),
                     dropped_partial_units=u.dropped_units, dropped_images=u.dropped_images,
                     dropped_area_m2=u.dropped_area_m2)


def _num(v) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def _metric_values(table: analysis.UnitTable, metric: str, taxon: str | None = None) -> np.ndarray:
    return table.taxon_density[taxon] if taxon else table.metrics[metric]


# ---------------------------------------------------------------------------------------------
# routes
# ---------------------------------------------------------------------------------------------


@router.get("/{collection_id}/options", response_model=SurveyOptions)
def survey_options(collection_id: str, snapshot: SnapshotDep, principal: PrincipalDep) -> SurveyOptions:
    """Taxa, substratum and habitat classes, time range and extent of a survey table."""
    survey = _survey(_readable(snapshot, principal, collection_id))
    t = survey.datetime_ns
    t = t[t != np.iinfo(np.int64).min] if t is not None else None
    when = [datetime.fromtimestamp(v / 1e9, tz=UTC) for v in (t.min(), t.max())] if t is not None and len(t) else [None, None]
    return SurveyOptions(
        collection=collection_id, images=len(survey), area_m2=float(survey.area_m2.sum()), taxa=survey.taxa,
        substrata=sorted(set(survey.substratum.tolist()) - {""}), habitats=sorted(set(survey.habitat.tolist()) - {""}),
        start=when[0], end=when[1],
        bbox=[float(survey.longitude.min()), float(survey.latitude.min()), float(survey.longitude.max()),
              float(survey.latitude.max())] if len(survey) else [],
    )


@router.get("/{collection_id}/density", response_model=list[SubstratumDensity])
def density_by_substratum(
    collection_id: str,
    request: Request,
    snapshot: SnapshotDep,
    principal: PrincipalDep,
    format: FormatQuery = None,
):
    """Pooled density (all taxa, individuals per m² of seabed) per substratum, over all images."""
    survey = _survey(_readable(snapshot, principal, collection_id))
    total = survey.counts.sum(axis=1)
    out = []
    for s in sorted(set(survey.substratum.tolist())):
        m = survey.substratum == s
        area = float(survey.area_m2[m].sum())
        out.append(SubstratumDensity(substratum=s, images=int(m.sum()), area_m2=area, individuals=int(total[m].sum()),
                                     density_per_m2=float(total[m].sum() / area)))
    if _wants_csv(request, format):
        return _csv([r.model_dump() for r in out], f"{collection_id}-density.csv")
    return out


def _summary(collection: CollectionInfo, req: SummaryRequest) -> SummaryResponse:
    survey = _survey(collection)
    rows = _rows(survey, req.selection)
    table = _unit_table(survey, rows, req.selection, req.units, req.taxa_of_interest)
    u = table.units
    m = table.metrics
    wanted = range(len(u)) if req.include_units else range(0)
    unit_rows = [
        UnitRow(unit=i, substratum=str(u.substratum[i]), images=int(u.images[i]), area_m2=float(u.area_m2[i]),
                longitude=float(u.longitude[i]), latitude=float(u.latitude[i]),
                first_image=str(survey.image_id[rows[u.first_row[i]]]), last_image=str(survey.image_id[rows[u.last_row[i]]]),
                individuals=float(m["individuals"][i]), density_per_m2=_num(m["density_per_m2"][i]),
                density_per_ha=_num(m["density_per_ha"][i]), richness=float(m["richness"][i]),
                hill_q1=_num(m["hill_q1"][i]), hill_q2=_num(m["hill_q2"][i]),
                pielou_evenness=_num(m["pielou_evenness"][i]), chao1=_num(m["chao1"][i]), coverage=_num(m["coverage"][i]),
                taxon_density_per_m2={t: _num(v[i]) for t, v in table.taxon_density.items()})
        for i in wanted
    ]
    summary = analysis.summarise_units(table, n_boot=req.n_boot, conf=req.conf, seed=req.seed)
    return SummaryResponse(
        collection=collection.id, images_selected=len(rows), area_selected_m2=float(survey.area_m2[rows].sum()),
        taxa=req.selection.taxa or survey.taxa, sample_units=_units_info(table), units=unit_rows,
        summary=[SummaryRow(**r) for r in summary],
    )


SUMMARY_TABLES = {"summary": "summary", "units": "units"}


@router.post("/{collection_id}/summary", response_model=SummaryResponse)
def summary_post(
    collection_id: str, req: SummaryRequest, request: Request,
    snapshot: SnapshotDep, principal: PrincipalDep,
    format: FormatQuery = None, table: TableQuery = None,
):
    """Sample units of the selection and their statistics, summarised per substratum and overall.

    Per unit: density (ind m⁻², ind ha⁻¹), richness, Hill numbers q = 1, 2, Pielou evenness, Chao1
    (iNEXT form), sample coverage (Chao & Jost 2012), densities of the taxa of interest. Summary:
    n, mean, SD (ddof = 1), SE, percentile-bootstrap CI of the mean. CSV: `?format=csv&table=summary|units`.
    """
    collection = _readable(snapshot, principal, collection_id)
    if table == "units":
        req = req.model_copy(update={"include_units": True})
    return _respond(request, format, table, _summary(collection, req), SUMMARY_TABLES, f"{collection_id}-summary")


@router.get("/{collection_id}/summary", response_model=SummaryResponse)
def summary_get(
    collection_id: str, request: Request, snapshot: SnapshotDep, principal: PrincipalDep,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    substratum: Annotated[list[str] | None, Query()] = None, habitat: Annotated[list[str] | None, Query()] = None,
    start: datetime | None = None, end: datetime | None = None,
    taxa: Annotated[list[str] | None, Query()] = None, taxa_of_interest: Annotated[list[str] | None, Query()] = None,
    target_area_m2: Annotated[float, Query(gt=0)] = 150.0, partial: Literal["drop", "keep"] = "drop",
    n_boot: Annotated[int, Query(ge=0, le=20000)] = 1000, seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = 0, include_units: bool = True,
    format: FormatQuery = None, table: TableQuery = None,
):
    """The same as POST, with the selection in the query string (for links and CSV downloads)."""
    collection = _readable(snapshot, principal, collection_id)
    box = None
    if bbox:
        try:
            box = [float(v) for v in bbox.split(",")]
        except ValueError:
            raise HTTPException(422, detail=[{"loc": ["query", "bbox"], "type": "value_error",
                                              "msg": "bbox must be four comma-separated numbers"}]) from None
        if len(box) != 4:
            raise HTTPException(422, detail=[{"loc": ["query", "bbox"], "type": "value_error",
                                              "msg": "bbox must be four comma-separated numbers"}])
    req = SummaryRequest(selection=Selection(bbox=box, substrata=substratum, habitats=habitat, start=start, end=end, taxa=taxa),
                         units=UnitOptions(target_area_m2=target_area_m2, partial=partial),
                         taxa_of_interest=taxa_of_interest or [], n_boot=n_boot, seed=seed,
                         include_units=include_units or table == "units")
    return _respond(request, format, table, _summary(collection, req), SUMMARY_TABLES, f"{collection_id}-summary")


@router.post("/{collection_id}/rarefaction", response_model=RarefactionResponse)
def rarefaction(
    collection_id: str, req: RarefactionRequest, request: Request,
    snapshot: SnapshotDep, principal: PrincipalDep,
    format: FormatQuery = None, table: TableQuery = None,
):
    """Size- and coverage-based rarefaction/extrapolation of Hill numbers (iNEXT).

    abundance: individuals pooled over the selected images; incidence: presence of each taxon in
    the selection's sample units, so sizes are numbers of units (per substratum if asked). CIs: estimate ±
    z·SD over `nboot` bootstrap assemblages (Chao et al. 2014). CSV tables: size_based,
    coverage_based, asymptotic.
    """
    collection = _readable(snapshot, principal, collection_id)
    survey = _survey(collection)
    rows = _rows(survey, req.selection)
    try:
        cols = survey.taxon_columns(req.selection.taxa, "taxa")
    except SelectionError as exc:
        raise _unprocessable("selection.taxa", str(exc)) from None
    groups = [("all", rows)]
    if req.by_substratum:
        groups += [(s, rows[survey.substratum[rows] == s]) for s in sorted(set(survey.substratum[rows].tolist()))]
    incidence = req.datatype == "incidence"
    if incidence:
        t = _unit_table(survey, rows, req.selection, req.units, [])
        present = (t.units.counts > 0).astype(np.int64)
        groups = [("all", np.arange(len(t.units)))]
        if req.by_substratum:
            groups += [(s, np.flatnonzero(t.units.substratum == s)) for s in sorted(set(t.units.substratum.tolist()))]
    asy_rows, size_rows, cov_rows = [], [], []
    names = {0: "species richness", 1: "Shannon diversity", 2: "Simpson diversity"}
    for label, idx in groups:
        if incidence:
            x, units = present[idx].sum(axis=0), len(idx)
            if units < 2 or x.sum() < 1:
                continue
        else:
            x, units = survey.counts[idx][:, cols].sum(axis=0), None
            if x.sum() < 2:
                continue
        try:
            res = inext.inext(x, orders=tuple(sorted(set(req.orders))), knots=req.knots, endpoint=req.endpoint,
                              nboot=req.nboot, conf=req.conf, seed=req.seed, units=units)
        except ValueError as exc:
            raise _unprocessable("selection", f"{label}: {exc}") from None
        cov = float(inext.coverage_at_size(x, res.n, units)[0])
        for q in sorted(set(req.orders)):
            lo, hi = res.asymptotic_ci.get(q, (None, None))
            asy_rows.append(AsymptoticRow(group=label, order=q, diversity=names[q], observed=_num(res.observed[q]),
                                          estimator=_num(res.asymptotic[q]), lcl=lo, ucl=hi, n=res.n, coverage=cov))
        size_rows += [InextRow(group=label, **r) for r in res.size_based]
        cov_rows += [InextRow(group=label, **r) for r in res.coverage_based]
    model = RarefactionResponse(
        collection=collection.id, nboot=req.nboot, conf=req.conf, datatype=req.datatype,
        size_unit="sample units" if incidence else "individuals",
        method=f"iNEXT {req.datatype}-based R/E (Chao et al. 2014; Hsieh, Ma & Chao 2016); CI = estimate ± z·bootstrap SD",
        asymptotic=asy_rows, size_based=size_rows, coverage_based=cov_rows,
    )
    return _respond(request, format, table, model,
                    {"size_based": "size_based", "coverage_based": "coverage_based", "asymptotic": "asymptotic"},
                    f"{collection_id}-rarefaction")


@router.post("/{collection_id}/cumulative", response_model=CumulativeResponse)
def cumulative(
    collection_id: str, req: CumulativeRequest, request: Request,
    snapshot: SnapshotDep, principal: PrincipalDep,
    format: FormatQuery = None, table: TableQuery = None,
):
    """Cumulative density and Hill numbers against seabed area (mean ± SD over seeded random orderings of units)."""
    collection = _readable(snapshot, principal, collection_id)
    survey = _survey(collection)
    rows = _rows(survey, req.selection)
    t = _unit_table(survey, rows, req.selection, req.units, [])
    data = curves.cumulative_curves(t.units.counts, t.units.area_m2, orderings=req.orderings, points=req.points,
                                    seed=req.seed) if len(t.units) else []
    model = CumulativeResponse(collection=collection.id, sample_units=_units_info(t), curves=[CurveRow(**r) for r in data])
    return _respond(request, format, table, model, {"curves": "curves"}, f"{collection_id}-cumulative")


@router.post("/compare", response_model=CompareResponse)
def compare(
    req: CompareRequest, request: Request,
    snapshot: SnapshotDep, principal: PrincipalDep,
    format: FormatQuery = None, table: TableQuery = None,
):
    """Compare two surveys (or two selections) metric by metric over their sample units.

    Difference b - a with percentile-bootstrap CI, Welch t-test, permutation test and Hedges' g.
    """
    tables = []
    for key, side in (("a", req.a), ("b", req.b)):
        collection = _readable(snapshot, principal, side.collection)
        survey = _survey(collection)
        rows = _rows(survey, side.selection, f"{key}.selection")
        tables.append(_unit_table(survey, rows, side.selection, req.units, req.taxa_of_interest, f"{key}.selection"))
    out = []
    items = [(m, None) for m in req.metrics] + [("density_per_m2", t) for t in req.taxa_of_interest]
    for i, (metric, taxon) in enumerate(items):
        res = compare_values(_metric_values(tables[0], metric, taxon), _metric_values(tables[1], metric, taxon),
                             n_boot=req.n_boot, n_perm=req.n_perm, conf=req.conf, seed=req.seed + i)
        out.append(CompareRow(metric=metric, taxon=taxon, unit=analysis.METRIC_UNITS[metric], **res))
    model = CompareResponse(a=req.a.collection, b=req.b.collection, units_a=_units_info(tables[0]),
                            units_b=_units_info(tables[1]), comparisons=out)
    return _respond(request, format, table, model, {"comparisons": "comparisons"}, "compare")


@router.get("/power/analytic", response_model=AnalyticPowerResponse)
def analytic_power(
    request: Request,
    delta_percent: Annotated[float, Query(gt=0, le=1000, allow_inf_nan=False, description="change to detect, % of the mean")],
    cv: Annotated[float, Query(gt=0, description="coefficient of variation of the metric across units (fraction, e.g. 0.6)")],
    alpha: Annotated[float, Query(gt=0, lt=1)] = 0.05,
    power_: Annotated[float, Query(gt=0, lt=1, alias="power")] = 0.8,
    tails: Annotated[int, Query(ge=1, le=2, description="1 one-sided, 2 two-sided")] = 2,
    format: FormatQuery = None, table: TableQuery = None,
):
    """Sample units per group to detect a delta % change: Sokal & Rohlf's iterated t and the exact noncentral t."""
    res = power.sample_size(delta_percent, cv, alpha, power_, tails)
    top = max(int(res.n_exact_ceil * 2), 10)
    grid = np.unique(np.round(np.linspace(2, top, 40)).astype(int))
    curve = [{"n_per_group": float(n), "power": float(p)} for n, p in
             zip(grid, power.power_exact(grid, res.effect_size, alpha, tails), strict=True)]
    model = AnalyticPowerResponse(
        delta_percent=delta_percent, cv=cv, alpha=alpha, power=power_, tails=tails, effect_size=res.effect_size,
        n_per_group_iterated=res.n_iterated, n_per_group_iterated_ceil=res.n_iterated_ceil,
        iterations=[float(v) for v in res.iterations], n_per_group_exact=res.n_exact,
        n_per_group_exact_ceil=res.n_exact_ceil, power_at_exact_ceil=res.power_at_n_exact_ceil, curve=curve,
    )
    return _respond(request, format, table, model, {"curve": "curve"}, "power-analytic")


@router.post("/{collection_id}/power/simulation", response_model=SimulationResponse)
def simulated_power(
    collection_id: str, req: SimulationRequest, request: Request,
    snapshot: SnapshotDep, principal: PrincipalDep,
    format: FormatQuery = None, table: TableQuery = None,
):
    """Power against units per group, simulated from the selected survey's sample units (seeded).

    density / taxon_density use negative-binomial counts fitted to the pilot units (or a bootstrap
    of unit densities with model='bootstrap'); richness always uses the bootstrap.
    """
    collection = _readable(snapshot, principal, collection_id)
    survey = _survey(collection)
    rows = _rows(survey, req.selection)
    if req.metric == "taxon_density" and not req.taxon:
        raise _unprocessable("taxon", "metric 'taxon_density' needs a taxon")
    interest = [req.taxon] if req.metric == "taxon_density" else []
    try:
        t = analysis.unit_table(survey, rows, taxa=req.selection.taxa, taxa_of_interest=interest,
                                target_area_m2=req.units.target_area_m2, partial=req.units.partial)
    except SelectionError as exc:
        raise _unprocessable("taxon" if exc.field == "taxa_of_interest" else f"selection.{exc.field}", str(exc)) from None
    model_name = "bootstrap" if req.metric == "richness" else req.model
    if req.metric == "richness":
        values, unit = t.metrics["richness"], "taxa"
    elif req.metric == "density":
        values, unit = t.metrics["density_per_m2"], "ind m-2"
    else:
        values, unit = t.taxon_density[req.taxon], "ind m-2"
    if model_name == "negbin":
        pilot = np.round(values * t.units.area_m2) if req.metric == "taxon_density" else t.metrics["individuals"]
    else:
        pilot = values
    try:
        sim = simulation.simulate_power(pilot, n_per_group=req.n_per_group, delta_percent=req.delta_percent,
                                        alpha=req.alpha, tails=req.tails, direction=req.direction, model=model_name,
                                        replicates=req.replicates, seed=req.seed, pilot_area_m2=t.units.area_m2)
    except ValueError as exc:
        raise _unprocessable("selection" if "pilot" in str(exc) else "delta_percent", str(exc)) from None
    mean, sd = float(np.mean(values)), float(np.std(values, ddof=1))
    cv = sd / mean if mean > 0 else None
    analytic = None
    if cv:
        try:
            analytic = power.n_exact(power.effect_size_from_cv(req.delta_percent, cv), req.alpha, req.power, req.tails)
        except ValueError:
            analytic = None
    reached = [r["n_per_group"] for r in sim["curve"] if r["power"] >= req.power]
    model = SimulationResponse(
        collection=collection.id, metric=req.metric, taxon=req.taxon, unit=unit, model=model_name,
        delta_percent=req.delta_percent, direction=req.direction, alpha=req.alpha, tails=req.tails,
        target_power=req.power, pilot_units=len(values), pilot_mean=mean, pilot_sd=sd, pilot_cv=cv,
        negbin_mean_count=sim.get("mean_count"), negbin_size_k=sim.get("size_k"),
        unit_area_m2=float(np.mean(t.units.area_m2)), n_required=min(reached) if reached else None,
        analytic_n_per_group=analytic, curve=[PowerRow(**r) for r in sim["curve"]], sample_units=_units_info(t),
    )
    return _respond(request, format, table, model, {"curve": "curve"}, f"{collection_id}-power")


@router.post("/{collection_id}/unit-size", response_model=UnitSizeResponse)
def unit_size(
    collection_id: str, req: UnitSizeRequest, request: Request,
    snapshot: SnapshotDep, principal: PrincipalDep,
    format: FormatQuery = None, table: TableQuery = None,
):
    """How large a sample unit should be: CV of the metric across units, and units (and seabed area)
    per group needed for the requested change, for each candidate unit area."""
    collection = _readable(snapshot, principal, collection_id)
    survey = _survey(collection)
    rows = _rows(survey, req.selection)
    out = []
    for area in req.areas_m2:
        t = _unit_table(survey, rows, req.selection, UnitOptions(target_area_m2=area, partial=req.partial), [])
        v = t.metrics[req.metric]
        v = v[np.isfinite(v)]
        mean = float(v.mean()) if len(v) else None
        sd = float(v.std(ddof=1)) if len(v) > 1 else None
        cv = sd / mean if (sd is not None and mean) else None
        n = None
        if cv:
            n = power.n_exact(power.effect_size_from_cv(req.delta_percent, cv), req.alpha, req.power, req.tails)
        nc = int(np.ceil(n - 1e-9)) if n is not None else None
        out.append(UnitSizeRow(target_area_m2=area, units=len(v), mean=mean, sd=sd, cv=cv, n_per_group_exact=n,
                               n_per_group_ceil=nc, total_area_per_group_m2=(nc * float(np.mean(t.units.area_m2))) if nc else None))
    model = UnitSizeResponse(collection=collection.id, metric=req.metric, unit=analysis.METRIC_UNITS[req.metric],
                             delta_percent=req.delta_percent, alpha=req.alpha, power=req.power, tails=req.tails, rows=out)
    return _respond(request, format, table, model, {"rows": "rows"}, f"{collection_id}-unit-size")
