"""A stand-in for `docker compose` in the blue-green test (no Docker engine on these machines).

Only what .ci/deploy/bluegreen.sh asks of compose, done with real processes: `up` starts the real
backend (uvicorn mpa_backend.main:app) of the release named by MPA_IMAGE_TAG on MPA_HTTP_PORT and,
with --wait, waits for its /readyz as compose waits for the container health check (which probes
/readyz); `stop`/`down` end it, `start` starts it again; `pull`, `run` (migrations) and `logs` do
nothing. Releases map image tags to catalogue URLs: SHIM_RELEASES='{"v1": "file:///…"}'.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parse(argv: list[str]) -> tuple[str, str, list[str]]:
    project, rest, i = "default", [], 0
    while i < len(argv):
        if argv[i] == "-p":
            project, i = argv[i + 1], i + 2
        elif argv[i] == "-f":
            i += 2
        else:
            rest, i = argv[i:], len(argv)
    return project, rest[0], rest[1:]


def ready(port: int, timeout_s: float, proc: subprocess.Popen | None = None) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)  # poll interval
    return False


def start(state: Path, project: str, tag: str, port: int) -> subprocess.Popen:
    releases = json.loads(os.environ["SHIM_RELEASES"])
    work = state / project
    work.mkdir(parents=True, exist_ok=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(work), "MPA_CATALOG_URL": releases[tag],
           "MPA_BACKEND_DATABASE_URL": f"sqlite:///{work}/db.sqlite", "MPA_BACKEND_CACHE_DIR": str(work / "cache"),
           "MPA_BACKEND_CATALOG_TTL_S": "0"}
    with (work / "out.log").open("ab") as log:
        proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "uvicorn"), "mpa_backend.main:app", "--host",
                                 "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    (state / f"{project}.json").write_text(json.dumps({"pid": proc.pid, "tag": tag, "port": port}))
    return proc


def stop(state: Path, project: str, forget: bool) -> None:
    record = state / f"{project}.json"
    if not record.exists():
        return
    info = json.loads(record.read_text())
    try:
        os.killpg(info["pid"], signal.SIGTERM)
    except ProcessLookupError:
        pass
    else:
        end = time.monotonic() + 15
        while time.monotonic() < end:
            try:
                os.killpg(info["pid"], 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)  # poll: waiting for the process group to exit
    if forget:
        record.unlink()


def main() -> int:
    state = Path(os.environ["SHIM_STATE"])
    state.mkdir(parents=True, exist_ok=True)
    project, command, args = parse(sys.argv[1:])
    with (state / "calls.log").open("a") as calls:
        calls.write(json.dumps([project, command, *args]) + "\n")
    if command == "up":
        proc = start(state, project, os.environ["MPA_IMAGE_TAG"], int(os.environ["MPA_HTTP_PORT"]))
        if "--wait" in args:
            timeout = float(args[args.index("--wait-timeout") + 1]) if "--wait-timeout" in args else 60
            return 0 if ready(int(os.environ["MPA_HTTP_PORT"]), timeout, proc) else 1
        return 0
    if command == "start":
        info = json.loads((state / f"{project}.json").read_text())
        start(state, project, info["tag"], info["port"])
        return 0
    if command in ("stop", "down"):
        stop(state, project, forget=command == "down")
        return 0
    if command in ("pull", "run", "logs"):
        return 0
    print(f"compose_shim: unsupported command {command}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
