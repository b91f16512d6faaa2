"""The front end's real nginx configuration, run as a local process (Debian's nginx) for tests.

The image renders frontend/nginx/default.conf.template with envsubst (only variables matching
NGINX_ENVSUBST_FILTER, ^MPA_, are replaced; nginx's own $variables stay) into conf.d and includes
it in its http block. Here the same template is rendered the same way and included in a minimal
main configuration whose pid, logs and temp files live in a test directory.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from e2e.stack import free_port, stop_process, wait_http

from .compose import ROOT

TEMPLATE = ROOT / "frontend" / "nginx" / "default.conf.template"
ENVSUBST_FILTER = re.compile(r"^MPA_")


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not found:
        raise RuntimeError("nginx is not installed: `apt-get install -y nginx` (.ci/setup test does it)")
    return found


def render(template: str, env: dict[str, str]) -> str:
    """envsubst as the nginx image's entrypoint runs it: only defined variables that match the filter."""
    def sub(m: re.Match) -> str:
        name = m.group(1) or m.group(2)
        return env[name] if name in env and ENVSUBST_FILTER.search(name) else m.group(0)

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", sub, template)


@dataclass
class Nginx:
    workdir: Path
    html: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None

    @property
    def port(self) -> int:
        return int(self.env["MPA_NGINX_PORT"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        for sub in ("logs", "tmp", "conf.d"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        site = render(TEMPLATE.read_text(), self.env)
        # The image's root is /usr/share/nginx/html and it listens on all interfaces; here: the test's
        # dist folder, loopback only.
        site = site.replace("root /usr/share/nginx/html;", f"root {self.html};")
        site = re.sub(r"listen (\d+);", r"listen 127.0.0.1:\1;", site)
        (self.workdir / "conf.d" / "default.conf").write_text(site)
        tmp = self.workdir / "tmp"
        main = f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {self.workdir}/nginx.pid;
error_log {self.workdir}/logs/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.workdir}/logs/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {self.workdir}/conf.d/*.conf;
}}
"""
        conf = self.workdir / "nginx.conf"
        conf.write_text(main)
        return conf

    def check_config(self) -> subprocess.CompletedProcess[str]:
        conf = self.write_config()
        return subprocess.run([nginx_binary(), "-t", "-p", str(self.workdir), "-c", str(conf)],
                              check=False, capture_output=True, text=True, timeout=30)

    def start(self) -> Nginx:
        test = self.check_config()
        if test.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{test.stderr}")
        log = (self.workdir / "logs" / "stdout.log").open("wb")
        self.proc = subprocess.Popen([nginx_binary(), "-p", str(self.workdir), "-c", str(self.workdir / "nginx.conf")],
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_http(f"{self.url}/healthz", 30, self.proc)
        return self

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc, signal.SIGQUIT)  # graceful: master and workers

    def error_log(self) -> str:
        path = self.workdir / "logs" / "error.log"
        return path.read_text() if path.exists() else ""


def make_dist(path: Path) -> Path:
    """A tiny built app: index.html and one hashed asset, like `vite build` writes."""
    (path / "assets").mkdir(parents=True, exist_ok=True)
    (path / "index.html").write_text('<!doctype html><title>MPA Twin</title><script src="/assets/app-3f9a.js"></script>')
    (path / "assets" / "app-3f9a.js").write_text("console.log('mpa');\n")
    return path


def nginx_env(backend: str, tiler: str, port: int | None = None) -> dict[str, str]:
    return {"MPA_NGINX_PORT": str(port or free_port()), "MPA_BACKEND_UPSTREAM": backend,
            "MPA_TILER_UPSTREAM": tiler, "MPA_NGINX_RESOLVER": "127.0.0.1"}
