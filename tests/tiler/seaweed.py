"""A real SeaweedFS S3 server on loopback for the tiler suite (until the shared fixture lands).

Every port is chosen free at run time (other engineers run servers concurrently), and readiness
is polled (the master needs 10-20 s to elect a leader), never slept on.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

WEED = Path(sys.executable).parent / "weed"


def free_ports(n: int) -> list[int]:
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(n)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]


@dataclass
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    process: subprocess.Popen

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def env(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_REGION": "us-east-1"}

    def upload_tree(self, local: Path, bucket: str, prefix: str = "") -> None:
        c = self.client()
        c.create_bucket(Bucket=bucket)
        for path in sorted(local.rglob("*")):
            if path.is_file():
                key = f"{prefix}{path.relative_to(local).as_posix()}"
                c.upload_file(str(path), bucket, key)


def start_seaweedfs(data_dir: Path, timeout: float = 90.0) -> S3Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    access, secret = "tiler-test", "tiler-test-secret"
    (data_dir / "s3.json").write_text(json.dumps({"identities": [{
        "name": "tester", "credentials": [{"accessKey": access, "secretKey": secret}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    names = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
             "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance", "debug.port"]
    ports = dict(zip(names, free_ports(len(names))))
    cmd = [str(WEED), "server", "-s3", "-filer", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data_dir}",
           "-master.telemetry=false", "-volume.max=10", "-master.volumeSizeLimitMB=64",
           f"-s3.config={data_dir / 's3.json'}",
           f"-filer.localSocket={data_dir / 'filer.sock'}", f"-s3.localSocket={data_dir / 's3.sock'}"]
    cmd += [f"-{k}={v}" for k, v in ports.items()]
    log = open(data_dir / "weed.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = S3Server(f"http://127.0.0.1:{ports['s3.port']}", access, secret, proc)
    deadline = time.monotonic() + timeout
    client = server.client()
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited with {proc.returncode}: {(data_dir / 'weed.log').read_text()[-2000:]}")
        try:
            client.create_bucket(Bucket="readiness-probe")
            client.put_object(Bucket="readiness-probe", Key="probe", Body=b"ok")
            if client.get_object(Bucket="readiness-probe", Key="probe")["Body"].read() == b"ok":
                return server
        except Exception as exc:  # noqa: BLE001 - not ready yet
            last = exc
        time.sleep(0.25)  # poll interval, not synchronisation: the loop checks a condition
    stop(server)
    raise RuntimeError(f"SeaweedFS S3 not ready after {timeout}s: {last}")


def stop(server: S3Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.process.kill()
