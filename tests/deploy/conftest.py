"""Fixtures of the deploy suite."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def stack_dirs() -> Iterator[contextlib.ExitStack]:
    """Private work folders of a module's services (processes.work_dir), removed after its tests."""
    with contextlib.ExitStack() as stack:
        yield stack
