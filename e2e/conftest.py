"""Browser tests run against the real stack (tiler, backend, vite preview) over the demo catalogue,
driven by Debian's chromium through Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.stack import ROOT, Stack, free_port
from tests.fixtures.catalog import *  # noqa: F401,F403 - the session's demo catalogue fixtures

OUTPUT = ROOT / "test-output" / "e2e"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in item.nodeid.split("/")[0]:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at Debian's chromium (Playwright may not download one)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("Debian's chromium is not installed: run `.ci/setup test`")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
def stack(demo_catalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole stack on free ports over the published demo catalogue."""
    logs = tmp_path_factory.mktemp("stack-logs")
    with Stack(
        catalog_url=demo_catalog.url, log_dir=Path(logs),
        backend_port=free_port(), tiler_port=free_port(), frontend_port=free_port(), oidc_port=free_port(),
    ) as running:
        yield running


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
