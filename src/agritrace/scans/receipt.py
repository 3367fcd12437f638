"""The ticket code a reporter is given: what lets them read the reply to their report.

A code is 16 symbols of Crockford's base32 (80 random bits, from :mod:`secrets`), written in four
groups (``7KQ2-M9XD-4T1B-HC0W``) so it can be read out and typed. It is not the report's number
(counted, so guessable). Only its SHA-256 digest is stored: the code is told once, on the page
that thanks the reporter, and is never written to a log, a URL or the database. Typed back, it
is read leniently: any case, spaces and dashes anywhere, ``O`` for ``0`` and ``I``/``L`` for
``1``.
"""

from __future__ import annotations

import hashlib
import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LENGTH = 16
_GROUP = 4
_SAME = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh ticket code, grouped for reading."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i:i + _GROUP] for i in range(0, _LENGTH, _GROUP))


def normal(typed: str) -> str | None:
    """The code's 16 symbols as typed (lenient), or None when it cannot be a code."""
    raw = "".join(typed.upper().split()).replace("-", "").translate(_SAME)
    if len(raw) != _LENGTH or any(c not in _ALPHABET for c in raw):
        return None
    return raw


def digest(code: str) -> str:
    """What is stored and looked up: the SHA-256 of the code's symbols (hex)."""
    raw = normal(code)
    if raw is None:
        raise ValueError("not a ticket code")
    return hashlib.sha256(raw.encode("ascii")).hexdigest()
