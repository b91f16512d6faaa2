"""Service processes for the deploy tests: started with an exact environment, logged to a file,
stopped as a process group."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from e2e.stack import stop_process, wait_http

from .compose import ROOT

VENV_BIN = ROOT / ".venv" / "bin"


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path = ROOT
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, ready_url: str | None = None, deadline_s: float = 180) -> Proc:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        if ready_url:
            try:
                wait_http(ready_url, deadline_s, self.proc)
            except Exception as exc:
                answer = _last_answer(ready_url)
                self.stop()
                raise RuntimeError(f"{self.name} did not get ready: {exc}\n{answer}\n{self.tail()}") from exc
        return self

    def run(self, timeout_s: float) -> int:
        """Run to completion (a one-shot job); returns the exit code."""
        self.start()
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc, timeout_s=15)

    def tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""

    def wait_log(self, predicate, timeout_s: float = 15) -> dict:
        """The first JSON log line matching `predicate`, polling: a service writes its access line
        after the response has gone out, so the line may land a moment after the client is done."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = next((line for line in self.json_lines() if predicate(line)), None)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no matching log line within {timeout_s}s\n{self.tail(2000)}")
            time.sleep(0.1)  # poll interval

    def json_lines(self) -> list[dict]:
        """The structured log lines the service wrote (non-JSON lines are skipped)."""
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return out


def http_get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """(status, lower-cased headers, body) of a GET; error statuses are answers, not exceptions."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def _last_answer(url: str) -> str:
    """What the readiness URL says now (its body names the reason for a 503)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return f"{resp.status}: {resp.read()[:2000]!r}"
    except urllib.error.HTTPError as err:
        return f"{err.code}: {err.read()[:2000]!r}"
    except Exception as exc:  # noqa: BLE001 - diagnostics only
        return repr(exc)


@contextlib.contextmanager
def work_dir(name: str) -> Iterator[Path]:
    """A private folder for a module's services, removed afterwards.

    Not under pytest's basetemp: on a machine where several pytest sessions run at once, a newer
    session prunes older basetemp folders, which would pull the files from under running services.
    """
    path = Path(tempfile.mkdtemp(prefix=f"mpa-deploy-{name}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def base_env(home: Path) -> dict[str, str]:
    """What any container has before compose adds its variables: a PATH with the service's venv."""
    home.mkdir(parents=True, exist_ok=True)
    return {"PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1"}
