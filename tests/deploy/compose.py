"""Reads docker-compose.yml the way Docker Compose does, for tests on machines without a Docker engine.

Interpolation follows the compose spec (``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``,
``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}``, ``${VAR:+alt}``, ``${VAR+alt}``, nested
defaults), so the processes the tests start get exactly the values a container would get.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class InterpolationError(ValueError):
    pass


def _braced(text: str, start: int, env: dict[str, str]) -> tuple[str, int]:
    """Evaluate ``${…}`` whose body starts at ``start``; returns (value, index after the closing brace)."""
    m = _NAME.match(text, start)
    if not m:
        raise InterpolationError(f"invalid interpolation at column {start}: {text!r}")
    name, i = m.group(0), m.end()
    if text.startswith("}", i):
        return env.get(name, ""), i + 1
    for op in (":-", ":?", ":+", "-", "?", "+"):
        if text.startswith(op, i):
            break
    else:
        raise InterpolationError(f"unexpected {text[i:i + 1]!r} after ${{{name} in {text!r}")
    word, end = _expand(text, i + len(op), env, stop_at_brace=True)
    value = env.get(name)
    is_set, non_empty = value is not None, bool(value)
    present = non_empty if op.startswith(":") else is_set
    kind = op[-1]
    if kind == "-":
        return (value if present else word), end
    if kind == "+":
        return (word if present else ""), end
    if not present:
        raise InterpolationError(f"required variable {name} is missing: {word}")
    return value, end


def _expand(text: str, i: int, env: dict[str, str], stop_at_brace: bool = False) -> tuple[str, int]:
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if stop_at_brace and ch == "}":
            return "".join(out), i + 1
        if ch == "$":
            nxt = text[i + 1:i + 2]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "{":
                value, i = _braced(text, i + 2, env)
                out.append(value)
                continue
            m = _NAME.match(text, i + 1)
            if m:
                out.append(env.get(m.group(0), ""))
                i = m.end()
                continue
        out.append(ch)
        i += 1
    if stop_at_brace:
        raise InterpolationError(f"unterminated ${{ in {text!r}")
    return "".join(out), i


def interpolate(text: str, env: dict[str, str]) -> str:
    return _expand(text, 0, env)[0]


def _walk(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_walk(v, env) for v in node]
    if isinstance(node, dict):
        return {k: _walk(v, env) for k, v in node.items()}
    return node


def load_raw(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The file as YAML (anchors and ``<<`` merges resolved), not interpolated."""
    return yaml.safe_load(path.read_text())


def load(env: dict[str, str], path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The file as Compose sees it with `env` as the environment/.env: anchors merged, ${VAR} substituted."""
    return _walk(load_raw(path), env)


def variables_used(path: Path = COMPOSE_FILE) -> set[str]:
    """Every variable name the compose file interpolates (including ones inside defaults)."""
    text = path.read_text().replace("$$", "")
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text)) | set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text))


def read_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """A .env file as Compose reads it: KEY=VALUE lines, # comments, optional quotes."""
    values: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not _NAME.fullmatch(key.strip()):
            raise ValueError(f"{path.name}:{lineno}: not KEY=VALUE: {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's `environment` (mapping or list form) as a dict of strings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def container_port(entry: str | int) -> int:
    """The container side of an `expose`/`ports` entry ("8080", "127.0.0.1:8080:8080", 8001)."""
    return int(str(entry).split(":")[-1].split("/")[0])
