"""Attack 6: secrets in the repository. Every git-tracked file is scanned for private keys, cloud
access keys, provider tokens and high-entropy values assigned to secret-looking names; values
clearly marked as local-test or placeholder values are allowed, nothing else is."""

from __future__ import annotations

import math
import re
import subprocess
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PATTERNS = {
    "PEM private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "GitLab token": re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "private JWK": re.compile(r'"d"\s*:\s*"[A-Za-z0-9_-]{40,}"'),
    "signed JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}"),
}
ASSIGNED = re.compile(
    r"""(?ix)(secret|password|passwd|pwd|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret)
        [\w.-]*["']?\s*[:=]\s*["']([^"'\s]{20,})["']""")
# Words that mark a value as a placeholder or a local-test value, not a credential.
HARMLESS = ("example", "change", "dummy", "test", "local", "demo", "placeholder", "your", "<", "${", "{{", "xxx",
            "fake", "insecure", "not-a", "sample", "minioadmin", "secret-key", "development")
SKIP_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".ico", ".webp", ".parquet", ".mbtiles", ".pdf",
                 ".woff", ".woff2", ".zip", ".gz", ".npy")
SKIP_NAMES = ("package-lock.json", "pnpm-lock.yaml", "yarn.lock", "uv.lock", "poetry.lock")


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return [REPO / p for p in out.decode().split("\0") if p]


def scan(path: Path, text: str) -> list[str]:
    found = []
    for name, pattern in PATTERNS.items():
        for m in pattern.finditer(text):
            line = text[text.rfind("\n", 0, m.start()) + 1:text.find("\n", m.end())]
            if not any(w in line.lower() for w in HARMLESS):
                found.append(f"{path.relative_to(REPO)}: {name}: {m.group(0)[:24]}…")
    for m in ASSIGNED.finditer(text):
        value = m.group(2)
        if any(w in value.lower() for w in HARMLESS) or _entropy(value) < 3.5:
            continue
        if re.fullmatch(r"[0-9a-f]{40,64}", value):  # a commit id or content hash, not a credential
            continue
        found.append(f"{path.relative_to(REPO)}: {m.group(1)} = {value[:6]}… (entropy {_entropy(value):.1f})")
    return found


def test_the_scanner_finds_what_it_looks_for() -> None:
    """Control: each rule fires on a realistic secret (assembled here so this file holds none)."""
    key = "-----BEGIN " + "PRIVATE KEY-----\nMIIEvQ"
    aws = "AKIA" + "Q3EGRNZ7UJ5WXK2M"
    assigned = 'client_secret = "' + "q8Zr2Vt9LmX4pWn7Ks1Bd6Hf" + '"'
    found = scan(REPO / "x.py", f"{key}\n{aws}\n{assigned}")
    assert len(found) == 3, found
    assert scan(REPO / "x.py", 'client_secret = "orcid-secret-for-local-tests-only"') == []


def test_no_secret_is_tracked_by_git() -> None:
    files = _tracked()
    assert len(files) > 50
    found = []
    for path in files:
        if path.suffix.lower() in SKIP_SUFFIXES or path.name in SKIP_NAMES or not path.is_file():
            continue
        if path == Path(__file__):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += scan(path, text)
    assert not found, "secrets in tracked files:\n" + "\n".join(found)


def test_env_example_holds_no_real_secret() -> None:
    examples = [p for p in _tracked() if p.name.startswith(".env") or p.name.endswith(".env.example")]
    assert all(p.name.endswith((".example", ".sample", ".template")) for p in examples), \
        f"a real .env file is tracked: {[str(p.relative_to(REPO)) for p in examples]}"
    for path in examples:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip().startswith("#") or "=" not in line:
                continue
            name, _, value = line.partition("=")
            value = value.strip().strip("'\"")
            paths = re.fullmatch(r'\[?\s*("?[./][\w./-]*"?\s*,?\s*)+\]?', value)  # where a key lives, not the key
            if re.search(r"SECRET|PASSWORD|TOKEN|_KEY\b|KEYS", name, re.IGNORECASE) and value and not paths:
                assert any(w in value.lower() for w in HARMLESS) or _entropy(value) < 3.0, \
                    f"{path.name}:{number}: {name.strip()} looks like a real secret"


def test_secret_files_are_ignored() -> None:
    """Keys and env files people create locally never get added by accident (.env.example points
    MPA_SECRETS_DIR at ./secrets, where the compose demo keeps its signing key)."""
    probes = [".env", "backend/.env", "secrets/mpa/jwt-signing-key.pem", "keys/signing.pem", "prod.key"]
    out = subprocess.run(["git", "check-ignore", "--no-index", *probes], cwd=REPO, capture_output=True, text=True,
                         check=False)  # exit status 1 means "none ignored": the assertion says which
    ignored = set(out.stdout.split())
    assert ignored == set(probes), f"not ignored: {sorted(set(probes) - ignored)}"
