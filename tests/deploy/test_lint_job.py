"""The pipeline's lint job passes on this tree: its ruff step is run here exactly as .gitlab-ci.yml
writes it, so a finding fails the test suite before it fails the pipeline."""

from __future__ import annotations

import shlex
import subprocess

import yaml

from .compose import ROOT

VENV_BIN = ROOT / ".venv" / "bin"


def lint_commands(tool: str) -> list[list[str]]:
    """The lint job's script lines that call `tool` from the job's throwaway venv, as argv."""
    job = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())["lint"]
    prefix = f".lint/bin/{tool} "
    return [shlex.split(line.removeprefix(".lint/bin/")) for line in job["script"] if line.startswith(prefix)]


def test_the_lint_job_runs_ruff_with_the_repository_config() -> None:
    commands = lint_commands("ruff")
    assert commands, "the lint job no longer runs ruff"
    assert (ROOT / "ruff.toml").is_file(), "without ruff.toml the job lints by ruff's defaults, not the project's rules"
    for argv in commands:
        result = subprocess.run([str(VENV_BIN / argv[0]), *argv[1:], "--output-format", "concise"], cwd=ROOT,
                                check=False, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{' '.join(argv)}:\n{result.stdout}{result.stderr}"
