"""The demo chain's codes held by their organizations, as consumer pages need them to be genuine.

Until ``load_demo`` grants them itself: each code is granted only where nobody holds it yet, so
this changes nothing once the demo does (issue 11: "the demo grants its own"). All the demo's
codes share the prefix 8931234: the roaster holds it, and the cooperative and the retailer hold
their own GTINs and GLNs (a single GTIN or GLN beats the prefix).
"""

from __future__ import annotations

from sqlalchemy import Engine

from agritrace.demo import CHERRY, COOP, COOP_SITE, GREEN, PLOTS, RETAILER, ROASTER, SHOP
from agritrace.store.grants import grant, owner_name
from agritrace.store.orgs import ensure_organization
from agritrace.trust import key_of

_GRANTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (ROASTER, "prefix", ("8931234",)),
    (COOP, "gtin", (str(CHERRY), str(GREEN))),
    (COOP, "gln", (*PLOTS, COOP_SITE, "urn:epc:id:pgln:8931234.00001")),
    (RETAILER, "gln", (SHOP, "urn:epc:id:pgln:8931234.00003")),
)


def ensure_demo_grants(engine: Engine) -> None:
    if owner_name(engine, f"https://id.gs1.org/01/{GREEN}") is not None:
        return  # the demo granted its codes itself
    for org_name, kind, codes in _GRANTS:
        org = ensure_organization(engine, org_name)
        for code in codes:
            key = key_of(code)
            grant(engine, org, kind, key[1] if kind == "gln" and key else code, "test")
