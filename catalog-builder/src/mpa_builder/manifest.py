"""The survey batch manifest (`batch.yaml`): the only thing a data manager writes by hand.

The schema is strict (unknown keys are errors) because a typo in a manifest that silently
falls back to a default would publish data with the wrong access level or licence.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
ID_RE = r"^[a-z0-9][a-z0-9-]{1,62}$"

Access = Literal["public", "restricted"]
LayerKind = Literal["raster", "vector", "images", "table"]
Theme = Literal["bathymetry", "sidescan", "habitat", "boundary", "images", "species", "other"]


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file and the field."""


class Render(BaseModel):
    """Default visualisation; becomes the STAC `renders.default` block titiler understands."""

    model_config = ConfigDict(extra="forbid")
    colormap_name: str | None = None
    rescale: tuple[float, float] | None = None  # None: p2–p98 of the data, computed at build
    units: str | None = None
    title: str | None = None


class RasterOptions(BaseModel):
    """How a raster is encoded. Bathymetry is lossless unless a vertical tolerance is stated."""

    model_config = ConfigDict(extra="forbid")
    profile: Literal["deflate", "zstd", "lerc", "jpeg", "webp"] | None = None  # None: by dtype
    max_z_error: float | None = Field(default=None, gt=0, description="LERC vertical tolerance (data units)")
    dst_crs: str | None = Field(default=None, description="Reproject to this CRS before writing the COG")
    nodata: float | None = None

    @model_validator(mode="after")
    def _lerc_needs_tolerance(self) -> RasterOptions:
        if self.profile == "lerc" and self.max_z_error is None:
            raise ValueError("profile 'lerc' needs max_z_error (the stated vertical tolerance)")
        return self


class ClassEntry(BaseModel):
    """One legend entry of a categorical (habitat) vector layer."""

    model_config = ConfigDict(extra="forbid")
    value: str
    label: str | None = None
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Layer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(pattern=ID_RE)]
    kind: LayerKind
    files: list[str] = Field(min_length=1, description="Glob patterns relative to the batch folder")
    title: str | None = None
    description: str | None = None
    theme: Theme | None = None
    access: Access | None = None  # overrides the batch's access for this layer
    render: Render | None = None
    raster: RasterOptions | None = None
    keywords: list[str] = Field(default_factory=list)
    # table layers: which columns hold per-taxon counts when the table is "long"
    long_form: bool | None = None  # None: detected from the columns
    # vector layers: the attribute holding classes (None: detected), their legend, tile zoom range
    class_field: str | None = None
    classes: list[ClassEntry] | None = None
    minzoom: int = Field(default=4, ge=0, le=22)
    maxzoom: int = Field(default=14, ge=0, le=22)


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    survey: Annotated[str, Field(pattern=ID_RE)]
    title: str
    description: str | None = None
    datetime: str = Field(description="ISO 8601 instant or interval start/end")
    licence: str
    access: Access = "public"
    depositor: str = Field(description="ORCiD iD of the person who decides who may see restricted data")
    providers: list[dict] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    site: str | None = None
    layers: list[Layer] = Field(min_length=1)

    @field_validator("depositor")
    @classmethod
    def _orcid(cls, v: str) -> str:
        if not ORCID_RE.match(v):
            raise ValueError(f"not an ORCiD iD (0000-0000-0000-000X): {v!r}")
        return v

    @field_validator("datetime")
    @classmethod
    def _interval(cls, v: str) -> str:
        from datetime import datetime as dt

        for part in v.split("/"):
            try:
                dt.fromisoformat(part)
            except ValueError as exc:
                raise ValueError(f"not an ISO 8601 date or interval: {v!r}") from exc
        return v

    @model_validator(mode="after")
    def _unique_layer_ids(self) -> Batch:
        seen: set[str] = set()
        for layer in self.layers:
            if layer.id in seen:
                raise ValueError(f"layer id {layer.id!r} appears twice")
            seen.add(layer.id)
        return self

    def layer_access(self, layer: Layer) -> Access:
        return layer.access or self.access


def load_manifest(path: Path) -> Batch:
    """Read and validate a batch.yaml; any problem becomes one ManifestError naming file and field."""
    path = Path(path)
    if path.is_dir():
        path = path / "batch.yaml"
    if not path.exists():
        raise ManifestError(f"{path}: no batch.yaml found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ManifestError(f"{path}: expected a mapping at the top level")
    try:
        return Batch.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"{path}: field '{where}': {err['msg']}")
        raise ManifestError("\n".join(problems)) from exc
