"""The whole MPA Twin stack as local processes: tiler, backend, front end (and the local OIDC provider).

`make demo` runs this module to serve the demo survey on localhost; the browser tests start the same
`Stack` on free ports. It runs exactly the commands the containers run (uvicorn for the two services,
`vite preview` standing in for nginx), so what the tests exercise is what operators deploy.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, deadline_s: float, proc: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 2xx; fail early if the process behind it died."""
    end = time.monotonic() + deadline_s
    last = ""
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if 200 <= resp.status < 300:
                    return
                last = f"HTTP {resp.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = str(exc)
        time.sleep(0.2)  # poll interval, not synchronisation
    raise TimeoutError(f"{url} not ready after {deadline_s:.0f}s ({last})")


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout_s: float = 10) -> None:
    """Stop a child (its whole process group when it leads one), escalating to SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        leads_group = os.getpgid(proc.pid) == proc.pid
    except ProcessLookupError:
        return

    def send(signum: int) -> None:
        try:
            os.killpg(proc.pid, signum) if leads_group else proc.send_signal(signum)
        except ProcessLookupError:
            pass

    send(sig)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait(timeout=5)


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready_url: str
    cwd: Path = ROOT
    proc: subprocess.Popen | None = None
    log: Path | None = None


@dataclass
class Stack:
    """Starts the services in order, waits until each is ready, stops them all on exit."""

    catalog_url: str
    log_dir: Path
    backend_port: int = 8000
    tiler_port: int = 8001
    frontend_port: int = 5173
    oidc_port: int = 8002
    extra_env: dict[str, str] = field(default_factory=dict)
    services: list[Service] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.frontend_port}"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}"

    @property
    def tiler(self) -> str:
        return f"http://127.0.0.1:{self.tiler_port}"

    @property
    def oidc(self) -> str:
        return f"http://127.0.0.1:{self.oidc_port}"

    def _env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MPA_")}
        env.update(
            MPA_CATALOG_URL=self.catalog_url,
            MPA_TILER_CATALOG_TTL="2",
            MPA_BACKEND_CATALOG_TTL_S="2",
            MPA_BACKEND_TILER_URL="/tiles",
            MPA_BACKEND_PUBLIC_URL=self.url,
            MPA_BACKEND_CORS_ORIGINS=f'["{self.url}"]',
            MPA_TILER_CORS_ORIGINS=f'["{self.url}"]',
            MPA_TILER_JWKS_URL=f"{self.api}/api/.well-known/jwks.json",
            MPA_TILER_TOKEN_ISSUER=self.url,
            MPA_BACKEND_CACHE_DIR=str(self.log_dir / "backend-cache"),
            MPA_BACKEND_DATABASE_URL=f"sqlite:///{self.log_dir / 'backend.sqlite'}",
            # The local OIDC provider stands in for both ORCiD and Microsoft; these client
            # credentials exist only for it (production refuses to start without real ones).
            MPA_BACKEND_ORCID_ISSUER=self.oidc,
            MPA_BACKEND_ORCID_CLIENT_ID="mpa-twin-local",
            MPA_BACKEND_ORCID_CLIENT_SECRET="local-provider-only",
            MPA_BACKEND_MICROSOFT_ISSUER=self.oidc,
            MPA_BACKEND_MICROSOFT_CLIENT_ID="mpa-twin-local-ms",
            MPA_BACKEND_MICROSOFT_CLIENT_SECRET="local-provider-only",
            MPA_TILER_CACHE_DIR=str(self.log_dir / "tiler-cache"),
        )
        env.update(self.extra_env)
        env.update(extra)
        return env

    def plan(self) -> list[Service]:
        uvicorn = str(VENV_BIN / "uvicorn")
        return [
            Service("oidc", [str(VENV_BIN / "oidc-provider-mock"), "--host", "127.0.0.1", "--port", str(self.oidc_port),
                             "--require-nonce", "true"],
                    self._env(AUTHLIB_INSECURE_TRANSPORT="1"), f"{self.oidc}/.well-known/openid-configuration"),
            Service("tiler", [uvicorn, "mpa_tiler.main:app", "--host", "127.0.0.1", "--port", str(self.tiler_port)],
                    self._env(), f"{self.tiler}/healthz"),
            Service("backend", [uvicorn, "mpa_backend.main:app", "--host", "127.0.0.1", "--port", str(self.backend_port)],
                    self._env(), f"{self.api}/readyz"),
            Service("frontend", ["npm", "run", "--silent", "preview", "--", "--port", str(self.frontend_port),
                                 "--strictPort", "--host", "127.0.0.1"],
                    self._env(MPA_API_TARGET=self.api, MPA_TILER_TARGET=self.tiler,
                              MPA_FRONTEND_PORT=str(self.frontend_port)),
                    f"{self.url}/", cwd=ROOT / "frontend"),
        ]

    def start(self, deadline_s: float = 90) -> Stack:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            for svc in self.plan():
                svc.log = self.log_dir / f"{svc.name}.log"
                with svc.log.open("wb") as log:
                    svc.proc = subprocess.Popen(svc.argv, cwd=svc.cwd, env=svc.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
                self.services.append(svc)
                wait_http(svc.ready_url, deadline_s, svc.proc)
        except Exception as exc:
            logs = "\n".join(f"--- {s.name} ---\n{s.log.read_text()[-3000:]}" for s in self.services if s.log)
            self.stop()
            raise RuntimeError(f"stack failed to start: {exc}\n{logs}") from exc
        return self

    def stop(self) -> None:
        for svc in reversed(self.services):
            if svc.proc and svc.proc.poll() is None:
                os.killpg(svc.proc.pid, signal.SIGTERM)
        for svc in reversed(self.services):
            if svc.proc:
                try:
                    svc.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(svc.proc.pid, signal.SIGKILL)
        self.services.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=str(ROOT / ".demo" / "store"), help="published catalogue (folder or URL)")
    parser.add_argument("--port", type=int, default=5173, help="front end port")
    args = parser.parse_args()
    catalog = args.store if "://" in args.store else "file://" + str(Path(args.store).resolve())
    stack = Stack(catalog_url=catalog, log_dir=ROOT / ".demo" / "logs", frontend_port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with stack:
        print(f"\n  MPA Twin is running: open {stack.url}\n"
              f"  API docs {stack.api}/api/docs · tiler {stack.tiler}/tiles/docs · logs in {stack.log_dir}\n"
              f"  Sign in through the local OIDC provider ({stack.oidc}) with any ORCiD iD; the demo's\n"
              "  depositor, who may grant access to the restricted sidescan, is 0000-0002-1825-0097.\n"
              "  Ctrl-C stops it.\n", flush=True)
        try:
            while all(s.proc and s.proc.poll() is None for s in stack.services):
                time.sleep(1)  # poll: supervising the children, not synchronising
            dead = [s.name for s in stack.services if s.proc and s.proc.poll() is not None]
            print(f"service(s) stopped unexpectedly: {', '.join(dead)}; see {stack.log_dir}", file=sys.stderr)
            sys.exit(1)
        except KeyboardInterrupt:
            print("\nstopping…")


if __name__ == "__main__":
    main()
