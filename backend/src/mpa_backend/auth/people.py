"""How people are named in grants and roles: an ORCiD iD (checked) or a lower-case e-mail."""

from __future__ import annotations

import re
from typing import Literal

ORCID_RE = re.compile(r"^(?:https?://(?:sandbox\.)?orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LEN = 254  # RFC 5321 path limit; the database column holds 320


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
        if len(value) > MAX_EMAIL_LEN:
            raise PersonError(f"{value[:40]!r}… is {len(value)} characters; an e-mail address has at most {MAX_EMAIL_LEN}")
        return value.lower(), "email"
    raise PersonError(f"{value[:80]!r} is neither an ORCiD iD (0000-0000-0000-000X) nor an e-mail address")


def normalise_email(value: object) -> str | None:
    """A provider's e-mail claim as grants name it, or None when it is not an e-mail address.

    An ORCiD iD typed into a provider's free-text e-mail field must not make its holder that person.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not EMAIL_RE.match(value) or ORCID_RE.match(value) or len(value) > MAX_EMAIL_LEN:
        return None
    return value.lower()
