"""Every Dockerfile passes hadolint with the repository's .hadolint.yaml, and keeps the image rules
(multi-stage, non-root, pinned bases, a health check, the service command of the compose file)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from . import compose
from .compose import ROOT

HADOLINT = ROOT / ".venv" / "bin" / "hadolint"
DOCKERFILES = ["backend/Dockerfile", "tiler/Dockerfile", "catalog-builder/Dockerfile", "frontend/Dockerfile",
               "docs/deploy/oidc-provider-mock/Dockerfile"]


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HADOLINT), "--config", str(ROOT / ".hadolint.yaml"), "--no-color", str(path)],
                          check=False, capture_output=True, text=True, timeout=60)


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(
        line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")))
    out = []
    for line in text.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


@pytest.mark.parametrize("name", DOCKERFILES)
def test_hadolint_clean(name: str) -> None:
    result = hadolint(ROOT / name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_unpinned_installs(tmp_path: Path) -> None:
    """The linter and its config are live: an unpinned pip install from an untrusted registry fails."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM quay.io/example/python:3.11\nRUN pip install flask\n")
    result = hadolint(bad)
    assert result.returncode != 0
    assert "DL3013" in result.stdout and "DL3026" in result.stdout


@pytest.mark.parametrize("name", DOCKERFILES)
def test_image_rules(name: str) -> None:
    ins = instructions(ROOT / name)
    args = {k: v for k, v in (re.match(r"(\w+)=(\S+)", a).groups() for w, a in ins if w == "ARG" and "=" in a)}
    froms = [a.split()[0] for w, a in ins if w == "FROM"]
    assert len(froms) >= 2, f"{name}: not multi-stage"
    for image in froms:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        assert re.search(r":\d+\.\d+(\.\d+)?-", image), f"{name}: base {image} not pinned to a version"
    users = [a for w, a in ins if w == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), f"{name}: runs as root"
    assert any(w == "HEALTHCHECK" for w, _ in ins), f"{name}: no HEALTHCHECK"


@pytest.mark.parametrize(("service", "dockerfile"), [("backend", "backend/Dockerfile"), ("tiler", "tiler/Dockerfile")])
def test_image_command_is_the_compose_command(service: str, dockerfile: str) -> None:
    """The process tests run the compose command; the image's CMD must be the same one."""
    import json

    cmd = [a for w, a in instructions(ROOT / dockerfile) if w == "CMD"][-1]
    assert json.loads(cmd) == compose.load_raw()["services"][service]["command"]


@pytest.mark.parametrize(("service", "port"), [("backend", 8000), ("tiler", 8001)])
def test_health_checks_probe_readiness(service: str, port: int) -> None:
    check = [a for w, a in instructions(ROOT / f"{service}/Dockerfile") if w == "HEALTHCHECK"][-1]
    assert f"http://127.0.0.1:{port}/readyz" in check
    assert f"http://127.0.0.1:{port}/readyz" in " ".join(compose.load_raw()["services"][service]["healthcheck"]["test"])


def test_dockerignore_sends_only_what_the_images_copy() -> None:
    """The build context is the repository root: the .venv, node_modules and .git must stay out."""
    lines = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "*"
    allowed = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    for name in DOCKERFILES[:4]:
        for w, a in instructions(ROOT / name):
            if w == "COPY" and "--from" not in a:
                src = a.split()[0]
                assert any(src == p or src.startswith(p + "/") for p in allowed), f"{name}: COPY {src} is ignored"
    assert "frontend/node_modules/" in lines
