"""docker-compose.yml and .gitlab-ci.yml against their published JSON schemas, offline.

check-jsonschema ships both schemas (vendor.compose-spec, vendor.gitlab-ci); the proxy variables
point at a closed port so any attempt to reach the network would fail the run instead of passing
silently on a connected machine.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from .compose import ROOT

CHECK = ROOT / ".venv" / "bin" / "check-jsonschema"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: connecting to it is refused


def check(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    dead = f"http://127.0.0.1:{_closed_port()}"
    env = {**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead,
           "NO_PROXY": "", "no_proxy": ""}
    return subprocess.run([str(CHECK), "--no-cache", "--builtin-schema", schema, str(path)],
                          check=False, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(("schema", "name"), [
    ("vendor.compose-spec", "docker-compose.yml"),
    ("vendor.gitlab-ci", ".gitlab-ci.yml"),
])
def test_file_matches_its_schema(schema: str, name: str) -> None:
    result = check(schema, ROOT / name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validation done" in result.stdout


def test_schema_check_rejects_a_broken_compose_file(tmp_path: Path) -> None:
    """The validator is live: an unknown service key and a non-list command are reported."""
    broken = (ROOT / "docker-compose.yml").read_text().replace("    read_only: true\n", "    read_only: true\n    restartt: always\n", 1)
    bad = tmp_path / "docker-compose.yml"
    bad.write_text(broken)
    result = check("vendor.compose-spec", bad)
    assert result.returncode != 0
    assert "restartt" in result.stdout + result.stderr


def test_schema_check_rejects_a_broken_pipeline(tmp_path: Path) -> None:
    bad = tmp_path / ".gitlab-ci.yml"
    bad.write_text((ROOT / ".gitlab-ci.yml").read_text().replace("      when: manual\n", "      when: sometimes\n", 1))
    result = check("vendor.gitlab-ci", bad)
    assert result.returncode != 0
