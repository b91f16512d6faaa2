"""validate -> convert -> describe: a batch folder becomes a staging folder laid out like the store.

The staging folder holds exactly the keys publish will upload (assets/…, collections/<id>/<hash>/…,
and the same under restricted/) plus build.json, so publishing is a plain copy in a safe order.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpa_builder import __version__
from mpa_builder.describe import asset_key_path, describe_layer, slug
from mpa_builder.errors import BuildError
from mpa_builder.executor import compression_threads, make_executor
from mpa_builder.hashing import canonical_json, sha256_bytes, sha256_file
from mpa_builder.jobs import Job, JobResult, run_job
from mpa_builder.manifest import Batch, Layer, load_manifest

Progress = Callable[[str, int, int], None]


@dataclass
class Plan:
    folder: Path
    batch: Batch
    files: dict[str, list[tuple[Path, str]]]  # layer id -> [(absolute path, relative name)]
    sha256: dict[str, str]  # relative name -> sha256
    batch_sha256: str


@dataclass
class Built:
    """A staged batch: what publish needs to know, also saved as build.json in the staging folder."""

    survey: str
    batch_sha256: str
    stage: Path
    collections: list[dict[str, Any]] = field(default_factory=list)  # {id, href, access, survey, kind, title}
    summary: list[dict[str, Any]] = field(default_factory=list)

    def save(self) -> None:
        (self.stage / "build.json").write_text(json.dumps(
            {"survey": self.survey, "batch_sha256": self.batch_sha256, "collections": self.collections,
             "summary": self.summary}, indent=2))

    @classmethod
    def load(cls, stage: Path) -> Built:
        d = json.loads((stage / "build.json").read_text())
        return cls(d["survey"], d["batch_sha256"], stage, d["collections"], d.get("summary", []))


def _resolve(folder: Path, manifest: Path, layer: Layer, index: int) -> list[tuple[Path, str]]:
    found: dict[str, Path] = {}
    for j, pattern in enumerate(layer.files):
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise BuildError(f"{manifest}: field 'layers.{index}.files.{j}': {pattern!r} must stay inside the batch folder")
        matches = sorted(p for p in glob.glob(str(folder / pattern), recursive=True) if Path(p).is_file())
        if not matches:
            raise BuildError(f"{manifest}: field 'layers.{index}.files.{j}': pattern {pattern!r} matches no file")
        for m in matches:
            rel = Path(m).relative_to(folder).as_posix()
            found[rel] = Path(m)
    return [(p, rel) for rel, p in sorted(found.items())]


def _batch_folder(folder: Path) -> Path:
    folder = Path(folder).resolve()
    if folder.is_file() and folder.name in ("batch.yaml", "batch.yml"):
        return folder.parent
    if not folder.is_dir():
        raise BuildError(f"{folder}: not a batch folder (a folder holding batch.yaml)")
    return folder


def read_batch(folder: Path) -> Batch:
    """Only the manifest, checked: enough to know which converters a build will need."""
    return load_manifest(_batch_folder(folder) / "batch.yaml")


def layer_kinds(batches: list[Batch]) -> tuple[str, ...]:
    return tuple(sorted({layer.kind for batch in batches for layer in batch.layers}))


def _hash_files(paths: dict[str, Path]) -> dict[str, str]:
    """sha256 of every file, several at once: hashlib releases the GIL, so threads use every core."""
    if len(paths) <= 1:
        return {rel: sha256_file(p) for rel, p in paths.items()}
    with ThreadPoolExecutor(max_workers=min(len(paths), os.cpu_count() or 1)) as pool:
        return dict(zip(paths, pool.map(sha256_file, paths.values()), strict=True))


def plan(folder: Path) -> Plan:
    """Validate the manifest, find the files, hash everything: no conversion yet."""
    folder = _batch_folder(folder)
    manifest_path = folder / "batch.yaml"
    batch = load_manifest(manifest_path)
    files: dict[str, list[tuple[Path, str]]] = {}
    for i, layer in enumerate(batch.layers):
        files[layer.id] = _resolve(folder, manifest_path, layer, i)
    sha = _hash_files({rel: p for entries in files.values() for p, rel in entries})
    fingerprint = {"manifest": sha256_file(manifest_path), "files": sha, "builder": __version__}
    return Plan(folder, batch, files, sha, sha256_bytes(canonical_json(fingerprint)))


def validate(folder: Path) -> Plan:
    """Everything that can be checked without converting: manifest, globs, tables (they are cheap)."""
    p = plan(folder)
    problems: list[str] = []
    for layer in p.batch.layers:
        for path, _rel in p.files[layer.id]:
            if layer.kind == "table":
                # imported here: pandas and pyarrow cost ~0.3 s, paid only by batches with tables
                from mpa_builder.convert.table import read_annotations

                try:
                    read_annotations(path, long_form=layer.long_form)
                except BuildError as exc:
                    problems.append(f"layer {layer.id}: {exc}")
            elif layer.kind in ("raster", "images"):
                problems += [f"layer {layer.id}: {msg}" for msg in _check_raster(path)]
    if problems:
        raise BuildError("\n".join(problems), problems)
    return p


def _check_raster(path: Path) -> list[str]:
    import rasterio
    from rasterio.errors import RasterioError

    try:
        with rasterio.open(path) as ds:
            if ds.crs is None:
                return [f"{path.name}: raster has no CRS (coordinate reference system)"]
    except RasterioError as exc:
        return [f"{path.name}: cannot read this raster ({exc})"]
    return []


def jobs_for(p: Plan, work: Path, max_errors: int = 50) -> list[Job]:
    jobs = []
    for layer in p.batch.layers:
        seen: set[str] = set()
        for path, rel in p.files[layer.id]:
            item_id = slug(Path(rel).stem)
            if item_id in seen:
                raise BuildError(f"layer {layer.id}: two files give the same item id {item_id!r} ({rel})")
            seen.add(item_id)
            opts: dict[str, Any] = {}
            if layer.raster:
                opts["raster"] = layer.raster.model_dump(exclude_none=True)
            if layer.render:
                opts["render"] = layer.render.model_dump(exclude_none=True)
            if layer.kind == "vector":
                opts.update(class_field=layer.class_field, minzoom=layer.minzoom, maxzoom=layer.maxzoom,
                            classes=[c.model_dump() for c in layer.classes] if layer.classes else None)
            if layer.kind == "table":
                opts.update(long_form=layer.long_form, max_errors=max_errors)
            jobs.append(Job(layer.id, layer.kind, str(path), rel, p.sha256[rel], item_id,
                            str(work / layer.id / item_id), opts))
    return jobs


def run_jobs(jobs: list[Job], executor: Executor, *, progress: Progress | None = None) -> list[JobResult]:
    """Run all conversions; the first bad input stops the build with its error (nothing is published)."""
    results: list[JobResult] = []
    errors: list[str] = []
    pending = {executor.submit(run_job, j): j for j in jobs}
    done_n = 0
    while pending:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for fut in done:
            job = pending.pop(fut)
            try:
                results.append(fut.result())
            except BuildError as exc:
                errors.append(f"layer {job.layer_id}: {exc}")
            except Exception as exc:  # noqa: BLE001 - an unexpected failure still names the file
                errors.append(f"layer {job.layer_id}: {job.source_name}: {type(exc).__name__}: {exc}")
            done_n += 1
            if progress:
                progress(f"convert {job.source_name}", done_n, len(jobs))
        if errors:
            for fut in pending:
                fut.cancel()
            break
    if errors:
        raise BuildError("\n".join(errors), errors)
    return results


def build(folder: Path, stage: Path, *, workers: int = 1, dask_address: str | None = None,
          progress: Progress | None = None, plan_: Plan | None = None, max_errors: int = 50,
          executor: Executor | None = None) -> Built:
    """Convert a batch into `stage` (emptied first).

    Without an ``executor`` one is made (``workers`` processes or the Dask cluster) and started
    before the batch is validated, so its workers warm up while the sources are hashed. A given
    ``executor`` is described by ``workers``/``dask_address`` (they size GDAL's compression threads).
    """
    with contextlib.ExitStack() as stack:
        if executor is None:
            kinds = layer_kinds([plan_.batch if plan_ else read_batch(folder)])
            executor = stack.enter_context(make_executor(workers, dask_address, kinds))
        p = plan_ or validate(folder)
        return _build(p, Path(stage), executor, progress, max_errors, workers, dask_address)


def _build(p: Plan, stage: Path, executor: Executor, progress: Progress | None, max_errors: int,
           workers: int, dask_address: str | None) -> Built:
    if stage.exists():
        shutil.rmtree(stage)
    work = stage / ".work"
    work.mkdir(parents=True)
    jobs = jobs_for(p, work, max_errors)
    rasters = [j for j in jobs if j.kind in ("raster", "images")]
    threads = compression_threads(workers, len(rasters), dask_address)
    for job in rasters:
        job.options["gdal_threads"] = threads
    results = run_jobs(jobs, executor, progress=progress)
    built = Built(p.batch.survey, p.batch_sha256, stage)
    by_layer: dict[str, list[JobResult]] = {}
    for r in results:
        by_layer.setdefault(r.job.layer_id, []).append(r)
    for layer in p.batch.layers:
        access = p.batch.layer_access(layer)
        prefix = "restricted/" if access == "restricted" else ""
        layer_results = by_layer[layer.id]
        coll, items = describe_layer(p.batch, layer, layer_results, batch_sha256=p.batch_sha256, access=access)
        chash = sha256_bytes(canonical_json({"collection": coll, "items": items}))[:16]
        base = f"{prefix}collections/{layer.id}/{chash}"
        for r in layer_results:
            for out in r.outputs:
                dst = stage / asset_key_path(prefix, out)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(out.path, dst)
        (stage / base / "items").mkdir(parents=True, exist_ok=True)
        (stage / base / "collection.json").write_bytes(canonical_json(coll))
        for item in items:
            (stage / base / "items" / f"{item['id']}.json").write_bytes(canonical_json(item))
        built.collections.append({"id": layer.id, "href": f"./{base}/collection.json", "access": access,
                                  "survey": p.batch.survey, "kind": layer.kind, "title": coll.get("title")})
        built.summary.append({"layer": layer.id, "kind": layer.kind, "access": access, "items": len(items),
                              "bytes": sum(o.size for r in layer_results for o in r.outputs)})
    shutil.rmtree(work)
    built.save()
    return built
