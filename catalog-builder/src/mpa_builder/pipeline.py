"""The whole path for one or more batches: validate, skip what is already published, build, publish.

Kept apart from the CLI so tests, fixtures and the demo command run exactly what `mpa-catalog
publish` runs.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpa_builder.build import Built, build, layer_kinds, read_batch, validate
from mpa_builder.executor import make_executor
from mpa_builder.publish import PublishResult, current_state, is_unchanged, publish
from mpa_builder.store import Store

ProgressFactory = Callable[[str], AbstractContextManager[Any]]


@contextlib.contextmanager
def _no_progress(_title: str) -> Iterator[None]:
    yield None


@dataclass
class PipelineResult:
    version: int
    published: list[Built] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    result: PublishResult | None = None

    def rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = [[s, "-", "-", "-", "unchanged"] for s in self.unchanged]
        for b in self.published:
            for s in b.summary:
                rows.append([b.survey, s["layer"], s["kind"], s["items"], f"published v{self.version:04d}"])
        return rows


def publish_batches(batches: list[Path], store: Store | str, *, workers: int = 1, dask: str | None = None,
                    progress: ProgressFactory = _no_progress, max_errors: int = 50) -> PipelineResult:
    """Build the batches that changed and publish them together as one new version."""
    store = Store(store) if isinstance(store, str) else store
    state = current_state(store)
    out = PipelineResult(state.version)
    kinds = layer_kinds([read_batch(folder) for folder in batches])
    tmp = Path(tempfile.mkdtemp(prefix="mpa-stage-"))
    try:
        # The workers start (and warm up) while the batches are validated and hashed.
        with make_executor(workers, dask, kinds) as executor:
            plans = [validate(folder) for folder in batches]  # every batch is checked before anything is converted
            for i, p in enumerate(plans):
                if is_unchanged(state, p.batch.survey, p.batch_sha256):
                    out.unchanged.append(p.batch.survey)
                    continue
                with progress(f"build {p.batch.survey}") as cb:
                    out.published.append(build(p.folder, tmp / f"{i:03d}", progress=cb, plan_=p,
                                               max_errors=max_errors, executor=executor,
                                               workers=workers, dask_address=dask))
        if out.published:
            with progress(f"publish to {store.display_url}") as cb:
                out.result = publish(store, out.published, progress=cb)
            out.version = out.result.version
            out.unchanged += out.result.unchanged
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
