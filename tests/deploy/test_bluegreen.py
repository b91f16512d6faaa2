""".ci/deploy/bluegreen.sh: switch, health gate and automatic rollback, with a real edge nginx and
real backend releases (compose itself is stood in for by tests/deploy/compose_shim.py).

Two releases serve two different published catalogues (one and two collections), so the edge's
/api/health says which release is live. A third release cannot read its catalogue (/readyz 503).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e.stack import free_port, wait_http

from .compose import ROOT
from .nginx import nginx_binary
from .processes import VENV_BIN, work_dir

SCRIPT = ROOT / ".ci" / "deploy" / "bluegreen.sh"


def publish(batch: Path, store: Path) -> None:
    subprocess.run([str(VENV_BIN / "mpa-catalog"), "publish", str(batch), "--store", f"file://{store}"],
                   check=True, capture_output=True, timeout=180)


@dataclass
class Site:
    work: Path
    env: dict[str, str]
    edge_url: str
    upstream: Path
    edge: subprocess.Popen

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(SCRIPT), *args], env={**self.env, **extra}, cwd=self.work,
                              capture_output=True, text=True, timeout=240, check=False)

    def live_collections(self) -> int:
        with urllib.request.urlopen(self.edge_url + "/api/health", timeout=10) as resp:
            return json.loads(resp.read())["collections"]

    def state(self, name: str) -> str:
        path = self.work / ".deploy" / name
        return path.read_text().strip() if path.exists() else ""


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def site(stack_dirs) -> Iterator[Site]:
    from tests.builder.batches import make_raster_batch

    work = stack_dirs.enter_context(work_dir("bluegreen"))
    v1, v2 = work / "store-v1", work / "store-v2"
    publish(make_raster_batch(work / "batch-a", survey="bga2015-mbes"), v1)
    shutil.copytree(v1, v2)
    publish(make_raster_batch(work / "batch-b", survey="bgb2016-mbes", seed=9), v2)

    edge_dir, edge_port = work / "edge", free_port()
    (edge_dir / "logs").mkdir(parents=True)
    upstream = edge_dir / "upstream.conf"
    upstream.write_text(f"upstream mpa_active {{ server 127.0.0.1:{free_port()}; }}\n")  # nothing live yet
    conf = edge_dir / "nginx.conf"
    conf.write_text(f"""
daemon off; worker_processes 1; pid {edge_dir}/nginx.pid; error_log {edge_dir}/logs/error.log;
events {{ worker_connections 128; }}
http {{
    access_log {edge_dir}/logs/access.log;
    client_body_temp_path {edge_dir}/body; proxy_temp_path {edge_dir}/proxy;
    fastcgi_temp_path {edge_dir}/fcgi; uwsgi_temp_path {edge_dir}/uwsgi; scgi_temp_path {edge_dir}/scgi;
    include {upstream};
    map $http_x_mpa_probe $mpa_upstream_probe {{ default ""; "1" $upstream_addr; }}
    server {{
        listen 127.0.0.1:{edge_port};
        location = /edge-alive {{ return 200 "edge\\n"; }}
        location / {{
            proxy_pass http://mpa_active; proxy_http_version 1.1; proxy_set_header Connection "";
            add_header X-MPA-Upstream $mpa_upstream_probe always;
        }}
    }}
}}
""")
    nginx = nginx_binary()
    edge = subprocess.Popen([nginx, "-p", str(edge_dir), "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)
    wait_http(f"http://127.0.0.1:{edge_port}/edge-alive", 20, edge)
    env = {
        "PATH": f"{VENV_BIN}:/usr/sbin:/usr/bin:/bin", "HOME": str(work),
        "MPA_DEPLOY_DIR": str(work), "MPA_STATE_DIR": str(work / ".deploy"),
        "MPA_COMPOSE": f"{sys.executable} {ROOT / 'tests' / 'deploy' / 'compose_shim.py'}",
        "MPA_COMPOSE_FILES": "-f docker-compose.yml", "MPA_DATA_SERVICES": "",
        "MPA_EDGE_UPSTREAM_FILE": str(upstream),
        "MPA_EDGE_TEST_CMD": f"{nginx} -t -q -p {edge_dir} -c {conf}",
        "MPA_EDGE_RELOAD_CMD": f"{nginx} -s reload -p {edge_dir} -c {conf}",
        "MPA_EDGE_PID_FILE": str(edge_dir / "nginx.pid"),
        "MPA_EDGE_URL": f"http://127.0.0.1:{edge_port}",
        "MPA_BLUE_PORT": str(free_port()), "MPA_GREEN_PORT": str(free_port()),
        "MPA_DEPLOY_TIMEOUT_S": "60", "MPA_DRAIN_S": "0",
        "SHIM_STATE": str(work / "shim"),
        "SHIM_RELEASES": json.dumps({"v1": f"file://{v1}", "v2": f"file://{v2}",
                                     "broken": f"file://{work}/no-such-store"}),
    }
    site = Site(work, env, f"http://127.0.0.1:{edge_port}", upstream, edge)
    try:
        yield site
    finally:
        for record in (work / "shim").glob("*.json"):
            subprocess.run([*env["MPA_COMPOSE"].split(), "-p", record.stem, "down"], env=env, check=False, timeout=60)
        edge.terminate()
        edge.wait(timeout=10)


def test_first_deploy_goes_live_on_blue(site: Site) -> None:
    result = site.run("deploy", "v1")
    assert result.returncode == 0, result.stderr
    assert site.state("active") == "blue" and site.live_collections() == 1
    assert f"127.0.0.1:{site.env['MPA_BLUE_PORT']}" in site.upstream.read_text()
    assert "live: blue" in site.run("status").stdout


def test_next_release_switches_to_green_without_dropping_a_request(site: Site) -> None:
    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:  # a reader hitting the site through the switch; bounded by `stop` and a cap
        for _ in range(5000):
            if stop.is_set():
                return
            try:
                with urllib.request.urlopen(site.edge_url + "/api/health", timeout=10) as resp:
                    seen.append(resp.status)
            except urllib.error.HTTPError as err:
                seen.append(err.code)
            except OSError:
                seen.append(0)
            time.sleep(0.05)  # poll: request pacing of the watcher, not synchronisation

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = site.run("deploy", "v2")
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert "no edge workers found" not in result.stderr, "the switch must wait for the old edge workers"
    assert site.state("active") == "green" and site.state("previous") == "blue"
    assert site.live_collections() == 2
    edge_errors = (site.work / "edge" / "logs" / "error.log").read_text(errors="replace")[-3000:]
    assert seen and set(seen) == {200}, f"requests failed during the switch: {sorted(set(seen))}\n{edge_errors}"
    assert not answers(int(site.env["MPA_BLUE_PORT"])), "the old colour is stopped after the switch"


def test_a_release_that_is_not_ready_never_gets_traffic(site: Site) -> None:
    before = site.upstream.read_text()
    result = site.run("deploy", "broken", MPA_DEPLOY_TIMEOUT_S="20")  # it never gets ready: fail sooner
    assert result.returncode != 0
    assert "not healthy" in result.stderr
    assert site.upstream.read_text() == before and site.state("active") == "green"
    assert site.live_collections() == 2
    assert not answers(int(site.env["MPA_BLUE_PORT"])), "the failed colour is removed"


def test_failed_edge_check_restores_the_previous_upstream(site: Site) -> None:
    before = site.upstream.read_text()
    # the new colour is healthy, but the site as seen through the edge is not (wrong edge URL)
    result = site.run("deploy", "v1", MPA_EDGE_URL=f"http://127.0.0.1:{free_port()}", MPA_EDGE_TIMEOUT_S="4")
    assert result.returncode != 0 and "restoring the previous upstream" in result.stderr
    assert site.upstream.read_text() == before and site.state("active") == "green"
    assert site.live_collections() == 2
    assert not answers(int(site.env["MPA_BLUE_PORT"]))


def test_rollback_brings_the_previous_release_back(site: Site) -> None:
    result = site.run("rollback")
    assert result.returncode == 0, result.stderr
    assert site.state("active") == "blue" and site.state("previous") == "green"
    assert site.live_collections() == 1
    assert f"127.0.0.1:{site.env['MPA_BLUE_PORT']}" in site.upstream.read_text()
