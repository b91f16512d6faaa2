"""The Kubernetes option (docs/deploy/k8s/) keeps the compose file's contract: same commands, the
same variable names, readiness on /readyz, non-root, and nothing secret in the manifests."""

from __future__ import annotations

import yaml

from . import compose
from .compose import ROOT
from .test_compose_file import env_names, settings_classes

K8S = ROOT / "docs" / "deploy" / "k8s"


def documents() -> list[dict]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return docs


def by_kind(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


def test_every_manifest_is_listed_and_parses() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert {d["kind"] for d in documents()} >= {"Namespace", "ConfigMap", "Job", "Deployment", "Service", "Ingress"}


def test_deployments_run_the_compose_commands_with_readiness_probes() -> None:
    deployments = by_kind("Deployment")
    services = compose.load_raw()["services"]
    for name in ("backend", "tiler"):
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == services[name]["command"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["image"] == f"mpa-twin/{name}"
    assert deployments["backend"]["spec"]["replicas"] >= 2
    migrate = by_kind("Job")["mpa-migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert migrate["command"] == services["migrate"]["command"]
    for d in list(deployments.values()) + [by_kind("Job")["mpa-migrate"]]:
        assert d["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def test_config_map_holds_known_variables_and_no_secrets() -> None:
    data = by_kind("ConfigMap")["mpa-config"]["data"]
    known = set().union(*(env_names(c) for c in settings_classes().values())) | {"FORWARDED_ALLOW_IPS", "MPA_LOG_LEVEL"}
    unknown = sorted(set(data) - known)
    assert not unknown, f"not read by any service: {unknown}"
    assert not {"AWS_SECRET_ACCESS_KEY", "MPA_BACKEND_SESSION_SECRET", "AWS_ACCESS_KEY_ID"} & set(data)
    front = by_kind("Deployment")["frontend"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in front["env"]}
    assert env["MPA_BACKEND_UPSTREAM"].startswith("backend.") and env["MPA_BACKEND_UPSTREAM"].endswith(":8000")
    assert env["MPA_TILER_UPSTREAM"].startswith("tiler.") and env["MPA_TILER_UPSTREAM"].endswith(":8001")
