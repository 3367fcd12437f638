"""An organization's public profile: the address and contact its products' pages show.

Circular 02/2024/TT-BKHCN lists the producer's name and address among the minimum data of a
traced product. The profile is master data like the rest of the registry: only a manager
changes it, and every change leaves a history row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from agritrace.epcis.times import now_micros
from agritrace.farm.registry import Actor, Checks, Db, transaction, write_history
from agritrace.farm.tables import profiles

FIELDS = ("address", "province", "phone", "email", "website")
_LIMITS = {"address": 300, "province": 100, "email": 200, "website": 300}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Profile:
    address: str = ""
    province: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}


def check_profile(values: Mapping[str, Any]) -> dict[str, str]:
    """The checked fields among ``values`` (the others are left as they are)."""
    checks = Checks("profile")
    out: dict[str, str] = {}
    for name in set(values) - set(FIELDS):
        checks.fail(name, "expect_one_of", name, choices=", ".join(FIELDS))
    for name in FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "phone":
            out[name] = checks.phone(name, value)
            continue
        text = str(value or "").strip()
        if len(text) > _LIMITS[name]:
            checks.fail(name, "expect_at_most_chars", None, shown=f"{len(text)} characters",
                        high=_LIMITS[name])
        elif name == "email" and text and not _EMAIL.fullmatch(text):
            checks.fail(name, "expect_email", text)
        elif name == "website" and text and not text.startswith(("https://", "http://")):
            checks.fail(name, "expect_website", text)
        out[name] = text
    checks.raise_if_failed("The profile is not valid")
    return out


def set_profile(db: Db, actor: Actor, values: Mapping[str, Any]) -> Profile:
    """Change the given fields of the actor's organization's profile (managers only)."""
    actor.require_manager("change the organization's profile")
    changes = check_profile(values)
    with transaction(db) as conn:
        row = conn.execute(select(profiles).where(profiles.c.org_id == actor.org.id)).first()
        old = {name: getattr(row, name) for name in FIELDS} if row is not None else None
        new = (old or Profile().as_dict()) | changes
        if row is None:
            conn.execute(insert(profiles).values(org_id=actor.org.id, updated_us=now_micros(),
                                                 **new))
        elif new != old:
            conn.execute(update(profiles).where(profiles.c.org_id == actor.org.id)
                         .values(updated_us=now_micros(), **changes))
        if new != old:
            write_history(conn, actor, profiles.name, actor.org.id, old, new)
    return Profile(**new)


def get_profile(db: Db, org_id: int) -> Profile:
    """The profile of an organization (empty fields when it has none)."""
    with transaction(db) as conn:
        row = conn.execute(select(profiles).where(profiles.c.org_id == org_id)).first()
    return Profile(**{name: getattr(row, name) for name in FIELDS}) if row else Profile()
