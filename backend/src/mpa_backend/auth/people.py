"""How people are named in grants and roles: an ORCiD iD (checked) or a lower-case e-mail."""

from __future__ import annotations

import re
from typing import Literal

ORCID_RE = re.compile(r"^(?:https?://(?:sandbox\.)?orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PersonError(ValueError):
    pass


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 MOD 11-2, as ORCiD specifies, so a mistyped iD is refused instead of granted."""
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1].upper() == ("X" if check == 10 else str(check))


def normalise_orcid(value: str) -> str | None:
    match = ORCID_RE.match(value.strip())
    if not match:
        return None
    orcid = match.group(1).upper()
    return orcid if orcid_checksum_ok(orcid) else None


def normalise_person(value: str) -> tuple[str, Literal["orcid", "email"]]:
    """('0000-0002-1825-0097', 'orcid') or ('ann@example.org', 'email'); PersonError names the problem."""
    value = (value or "").strip()
    if ORCID_RE.match(value):
        orcid = normalise_orcid(value)
        if orcid is None:
            raise PersonError(f"{value!r} looks like an ORCiD iD but its check digit is wrong")
        return orcid, "orcid"
    if EMAIL_RE.match(value):
        return value.lower(), "email"
    raise PersonError(f"{value!r} is neither an ORCiD iD (0000-0000-0000-000X) nor an e-mail address")
