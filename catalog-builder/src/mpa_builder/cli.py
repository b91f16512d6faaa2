"""`mpa-catalog`: validate, build, publish, list, rollback, and make/publish demo batches."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mpa_builder import __version__
from mpa_builder.build import Built, build
from mpa_builder.build import validate as validate_batch
from mpa_builder.errors import BuildError, PublishError
from mpa_builder.manifest import ManifestError
from mpa_builder.pipeline import PipelineResult, publish_batches
from mpa_builder.publish import current_state, list_versions
from mpa_builder.publish import rollback as do_rollback
from mpa_builder.report import console, fmt_bytes, progress_bar, summary_table
from mpa_builder.settings import get_settings
from mpa_builder.store import Store

app = typer.Typer(help="Turn survey batches into a static STAC catalogue and publish it atomically.",
                  no_args_is_help=True, add_completion=False)

StoreOpt = Annotated[str | None, typer.Option("--store", help="file:///dir, a folder, or s3://bucket/prefix "
                                                  "(default: $MPA_CATALOG_URL, else ./.demo/store)")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", min=1, help="parallel conversions (MPA_BUILDER_WORKERS)")]
DaskOpt = Annotated[str | None, typer.Option("--dask", help="run conversions on this Dask scheduler address")]


def _fail(exc: Exception) -> None:
    console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
    raise typer.Exit(code=1)


def _store(url: str | None) -> Store:
    return Store(url or get_settings().catalog_url)


@app.command()
def validate(batch: Path) -> None:
    """Check a batch without converting: manifest, file patterns, tables (line and column), rasters."""
    try:
        p = validate_batch(batch)
    except (BuildError, ManifestError) as exc:
        _fail(exc)
    rows = [[layer.id, layer.kind, p.batch.layer_access(layer), len(p.files[layer.id])] for layer in p.batch.layers]
    summary_table(f"{p.batch.survey}: valid", ["layer", "kind", "access", "files"], rows)


@app.command("build")
def build_cmd(batch: Path,
              out: Annotated[Path | None, typer.Option("--out", help="staging folder (default BATCH/.mpa-build)")] = None,
              workers: WorkersOpt = None, dask: DaskOpt = None) -> None:
    """Convert a batch into a staging folder laid out like the store (nothing is published)."""
    settings = get_settings()
    try:
        with progress_bar(f"build {batch.name}") as cb:
            built = build(batch, out or Path(batch) / ".mpa-build", workers=workers or settings.workers,
                          dask_address=dask or settings.dask_address, progress=cb, max_errors=settings.max_errors)
    except (BuildError, ManifestError) as exc:
        _fail(exc)
    _built_table(built)


def _built_table(built: Built) -> None:
    rows = [[s["layer"], s["kind"], s["access"], s["items"], fmt_bytes(s["bytes"])] for s in built.summary]
    summary_table(f"{built.survey}: built into {built.stage}", ["layer", "kind", "access", "items", "size"], rows)


@app.command("publish")
def publish_cmd(batches: Annotated[list[Path], typer.Argument(help="batch folders")], store: StoreOpt = None,
                workers: WorkersOpt = None, dask: DaskOpt = None) -> None:
    """Build and publish batches as one new catalogue version (a batch already published is skipped)."""
    settings = get_settings()
    st = _store(store)
    try:
        res = publish_batches(batches, st, workers=workers or settings.workers, dask=dask or settings.dask_address,
                              progress=progress_bar, max_errors=settings.max_errors)
    except (BuildError, ManifestError, PublishError) as exc:
        _fail(exc)
    _published_table(st, res)


def _published_table(st: Store, res: PipelineResult) -> None:
    summary_table(f"{st.display_url}: catalogue version {res.version}", ["survey", "layer", "kind", "items", "result"],
                  res.rows())


@app.command("list")
def list_cmd(store: StoreOpt = None) -> None:
    """Versions and collections of a store."""
    st = _store(store)
    try:
        state = current_state(st)
        versions = list_versions(st)
    except PublishError as exc:
        _fail(exc)
    summary_table(f"{st.display_url}: versions", ["version", "published", "batches", "collections", ""],
                  [[v["version"], v.get("published", ""), ", ".join(v.get("batches", {})), len(v.get("collections", [])),
                    "current" if v["version"] == state.version else ""] for v in versions])
    summary_table(f"collections in version {state.version}", ["id", "survey", "kind", "access", "href"],
                  [[c["id"], c["survey"], c.get("kind", ""), c["access"], c["href"]] for c in state.collections])


@app.command()
def check(store: StoreOpt = None,
          checksums: Annotated[bool, typer.Option("--checksums", help="also read every asset and verify its sha256")] = False) -> None:
    """Validate a published catalogue: STAC schemas (offline), the MPA contract, optionally checksums."""
    from mpa_builder.stac_check import check_store

    st = _store(store)
    problems = check_store(st, checksums=checksums)
    if problems:
        _fail(ValueError(f"{st.display_url}: {len(problems)} problem(s)\n" + "\n".join(problems)))
    state = current_state(st)
    summary_table(f"{st.display_url}: valid", ["version", "collections", "checksums"],
                  [[state.version, len(state.collections), "verified" if checksums else "not read"]])


@app.command()
def rollback(version: int, store: StoreOpt = None) -> None:
    """Make an earlier version current again (its root catalogue is restored byte for byte)."""
    st = _store(store)
    try:
        before = current_state(st).version
        state = do_rollback(st, version)
    except PublishError as exc:
        _fail(exc)
    summary_table(f"{st.display_url}: rolled back", ["from", "to", "collections"], [[before, state.version, len(state.collections)]])


def _size(value: str) -> str | int:
    return int(value) if value.isdigit() else value


@app.command("demo-batch")
def demo_batch(out: Path, size: Annotated[str, typer.Option("--size", help="small | large | bathymetry cells per side")] = "small",
               seed: Annotated[int, typer.Option("--seed")] = 20120815) -> list[Path]:
    """Generate synthetic Haig Fras-like survey batches into OUT."""
    from mpa_builder.demo import make_demo_batches

    with progress_bar("demo batches") as cb:
        folders = make_demo_batches(out, size=_size(size), seed=seed, progress=cb)
    summary_table(f"demo batches in {out}", ["batch"], [[str(f)] for f in folders])
    return folders


@app.command()
def demo(out_store: Annotated[str, typer.Argument(help="store to publish into: a folder or s3://bucket/prefix")] = ".demo/store",
         batches: Annotated[Path | None, typer.Option("--batches", help="where to write the batches (default: temporary)")] = None,
         size: Annotated[str, typer.Option("--size")] = "small", seed: Annotated[int, typer.Option("--seed")] = 20120815,
         workers: WorkersOpt = None) -> None:
    """Generate demo batches and publish them all into OUT_STORE (what `make demo` runs)."""
    from mpa_builder.demo import make_demo_batches

    settings = get_settings()
    tmp = None
    if batches is None:
        tmp = Path(tempfile.mkdtemp(prefix="mpa-demo-"))
        batches = tmp
    try:
        with progress_bar("demo batches") as cb:
            folders = make_demo_batches(batches, size=_size(size), seed=seed, progress=cb)
        st = Store(out_store)
        res = publish_batches(folders, st, workers=workers or settings.workers, dask=settings.dask_address,
                              progress=progress_bar, max_errors=settings.max_errors)
    except (BuildError, ManifestError, PublishError) as exc:
        _fail(exc)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    _published_table(st, res)


@app.command()
def version() -> None:
    """Print the builder version."""
    print(__version__)


def main() -> None:  # pragma: no cover - console script shim
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
