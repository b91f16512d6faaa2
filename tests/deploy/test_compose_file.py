"""What the compose schema cannot see: variable names match the services' settings, secrets are not
committed, only the front end is published, the backend scales out, and .env.example is complete."""

from __future__ import annotations

import pytest
from pydantic_settings import BaseSettings

from . import compose
from .compose import InterpolationError, interpolate

SECRETS = {
    "AWS_ACCESS_KEY_ID": "mpa-test-key", "AWS_SECRET_ACCESS_KEY": "mpa-test-secret",
    "POSTGRES_PASSWORD": "pg-secret", "MPA_BACKEND_SESSION_SECRET": "s" * 48,
}


def env_names(settings_cls: type[BaseSettings]) -> set[str]:
    """Every environment variable a pydantic-settings class reads (prefixed names and aliases)."""
    prefix = settings_cls.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings_cls.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names.add((prefix + name).upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.update(str(choice).upper() for choice in alias.choices)
    return names


def settings_classes() -> dict[str, type[BaseSettings]]:
    from mpa_backend.settings import Settings as BackendSettings
    from mpa_builder.settings import BuilderSettings
    from mpa_tiler.settings import Settings as TilerSettings

    return {"MPA_BACKEND_": BackendSettings, "MPA_TILER_": TilerSettings, "MPA_BUILDER_": BuilderSettings}


def test_interpolation_follows_the_compose_spec() -> None:
    env = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET:-d}/${EMPTY:-d}/${EMPTY-d}/${UNSET-d}/$SET/$${SET}", env) == "x/d//d/x/${SET}"
    assert interpolate("${UNSET:-a${SET}b}", env) == "axb"
    assert interpolate("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}", env) == "alt||alt"
    with pytest.raises(InterpolationError, match="EMPTY"):
        interpolate("${EMPTY:?set EMPTY}", env)
    assert interpolate("${EMPTY?never}", env) == ""


@pytest.mark.parametrize("service", ["backend", "tiler", "catalog-demo", "migrate"])
def test_service_variables_are_read_by_the_service(service: str) -> None:
    """A misspelt MPA_* variable would be silently ignored by pydantic-settings: catch it here."""
    classes = settings_classes()
    env = compose.environment(compose.load_raw()["services"][service])
    for name in env:
        for prefix, cls in classes.items():
            if name.startswith(prefix):
                assert name in env_names(cls), f"{service}: {name} is not a field of {cls.__module__}.{cls.__name__}"
        if name == "MPA_CATALOG_URL":
            assert all(name in env_names(cls) for cls in classes.values())


def test_env_example_holds_no_secrets_and_compose_refuses_to_start_without_them() -> None:
    example = compose.read_env_file()
    for name in SECRETS:
        assert example.get(name) == "", f".env.example must leave {name} empty"
    with pytest.raises(InterpolationError, match="AWS_ACCESS_KEY_ID|POSTGRES_PASSWORD|SESSION_SECRET"):
        compose.load(example)


def test_env_example_matches_the_compose_file() -> None:
    example = set(compose.read_env_file())
    used = compose.variables_used()
    assert example - used == set(), f".env.example sets variables compose never reads: {sorted(example - used)}"
    raw = compose.COMPOSE_FILE.read_text()
    required = {v for v in used if f"${{{v}:?" in raw or f"${{{v}}}" in raw}
    assert required - example == set(), f"required by compose but missing from .env.example: {required - example}"


def test_stack_shape() -> None:
    env = {**compose.read_env_file(), **SECRETS}
    cfg = compose.load(env)
    services = cfg["services"]
    assert {"seaweedfs", "postgres", "tiler", "backend", "frontend", "oidc", "catalog-demo"} <= set(services)
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"frontend", "oidc", "seaweedfs"}, "only the front door, S3 for presigned links, dev OIDC"
    assert services["seaweedfs"]["ports"] == ["127.0.0.1:8333:8333"], "S3 on loopback unless configured"
    assert int(services["backend"]["deploy"]["replicas"]) >= 2
    assert services["oidc"]["profiles"] == ["dev"] and services["catalog-demo"]["profiles"] == ["dev"]
    job = " ".join(services["catalog-demo"]["entrypoint"] + services["catalog-demo"]["command"])
    assert "mpa-catalog publish" in job and '--store "${MPA_CATALOG_URL}"' in job  # $$ → $: the job's own env
    assert services["frontend"]["environment"]["MPA_BACKEND_UPSTREAM"] == "backend:8000"
    assert services["frontend"]["environment"]["MPA_TILER_UPSTREAM"] == "tiler:8001"
    assert services["tiler"]["environment"]["MPA_TILER_JWKS_URL"].startswith("http://backend:8000/api/")
    assert services["backend"]["environment"]["MPA_BACKEND_DATABASE_URL"] == (
        "postgresql+psycopg://mpa:pg-secret@postgres:5432/mpa")
    # the SeaweedFS identity is the one the services sign with
    assert '"accessKey": "mpa-test-key"' in cfg["configs"]["seaweedfs-s3"]["content"]
    for name in ("backend", "tiler"):
        assert services[name]["read_only"] is True and services[name]["cap_drop"] == ["ALL"]


def test_operations_guide_documents_every_variable() -> None:
    """docs/operations.md#configure names every variable an operator can set through compose."""
    doc = (compose.ROOT / "docs" / "operations.md").read_text()
    raw = compose.load_raw()
    names = set(compose.read_env_file()) | compose.variables_used()
    for svc in raw["services"].values():
        names |= set(compose.environment(svc))
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"docs/operations.md does not document: {missing}"
