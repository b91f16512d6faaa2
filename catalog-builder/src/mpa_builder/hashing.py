"""Content hashes: assets are stored under their sha256, STAC records it as a multihash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def multihash(sha256_hex: str) -> str:
    """`file:checksum` form: 0x12 (sha2-256) 0x20 (32 bytes) then the digest, hex."""
    return "1220" + sha256_hex


def canonical_json(obj: Any) -> bytes:
    """One byte form per value, so equal content gives equal hashes and equal files."""
    return (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
