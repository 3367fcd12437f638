"""Places: plots (growing areas), packing houses and warehouses, with geometry and codes.

A plot's shape is checked with :mod:`agritrace.farm.geometry` (closed rings, no crossing edges,
enough points, ``[longitude, latitude]`` order) and its area is computed on the WGS84 ellipsoid;
a point needs a declared area. A plot outside Vietnam's box is a warning, not a refusal. The
growing-area code pattern and the minimum area per crop and market are configuration
(:class:`RegistryRules`), since they differ by crop and export market.

>>> RegistryRules().code_pattern("coffee").fullmatch("VN-DBCF-0001") is not None
True
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from agritrace.epcis.times import now_micros
from agritrace.errors import ConflictException, NoSuchResourceException, Problem
from agritrace.farm.compliance import ReadinessRules
from agritrace.farm.geometry import check_geometry
from agritrace.farm.registry import (
    Actor,
    Checks,
    Db,
    Notice,
    Role,
    org_row,
    require_holder,
    transaction,
    update_row,
    write_history,
)
from agritrace.farm.tables import members, places
from agritrace.farm.veterinary import SPECIES_BY_PLACE
from agritrace.ids.gs1 import Gln
from agritrace.store.orgs import Organization
from agritrace.trust import Owners, key_of
from agritrace.web.i18n import expect, format_amount

# Barns keep livestock, ponds and cages aquaculture (issue 17); their ``crop`` is the species
# and ``area_code`` the farm's registration or the facility's code.
KINDS = ("plot", "packing_house", "warehouse", "barn", "pond", "cage")
_WITH_AREA = ("plot", "pond", "cage")  # a pond's area is its water surface
PLACE_BASE = "https://agritrace.org/id/place/"
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
# Codes seen in practice mix letters, digits, dots and hyphens (province, crop, serial).
DEFAULT_CODE_PATTERNS: Mapping[str, str] = {"*": r"[A-Z0-9][A-Z0-9.\-]{3,39}"}
MAX_AREA_HA = 10_000.0
# The EU's 6-decimal rule matters for an EUDR file, not for the registry: a float drops trailing
# zeros (21.49856 is 21.498560), so here it is a warning, and the EUDR export checks it again.
WARNED_CODES = frozenset({"too_few_decimals"})


@dataclass(frozen=True)
class RegistryRules:
    """Configuration of the registry: growing-area code pattern per crop, minimum areas."""

    code_patterns: Mapping[str, str] = field(default_factory=lambda: DEFAULT_CODE_PATTERNS)
    readiness: ReadinessRules = field(default_factory=ReadinessRules)

    def code_pattern(self, crop: str) -> re.Pattern[str]:
        return re.compile(self.code_patterns.get(crop, self.code_patterns.get("*", ".+")))


@dataclass(frozen=True)
class Place:
    id: int
    org_id: int
    uri: str
    name: str
    kind: str
    area_ha: float | None
    geometry: dict[str, Any] | None
    farmer_id: int | None = None
    technical_manager_id: int | None = None
    commune: str = ""
    district: str = ""
    province: str = ""
    crop: str = ""
    variety: str = ""
    market: str = "*"
    area_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Saved:
    """A saved place with the warnings its input raised."""

    place: Place
    notices: tuple[Notice, ...] = ()


_FIELDS = ("name", "kind", "farmer_id", "technical_manager_id", "commune", "district",
           "province", "crop", "variety", "market", "area_code")


def _place(row: Any) -> Place:
    geometry = orjson.loads(row.geometry) if row.geometry else None
    return Place(row.id, row.org_id, row.uri, row.name, row.kind, row.area_ha, geometry,
                 row.farmer_id, row.technical_manager_id, row.commune, row.district,
                 row.province, row.crop, row.variety, row.market, row.area_code)


def check_place(conn: Connection, org: Organization, values: Mapping[str, Any],
                rules: RegistryRules | None = None) -> tuple[dict[str, Any], list[Notice]]:
    """The checked column values of a place and its warnings; raises ValidationException."""
    rules = rules or RegistryRules()
    checks = Checks("place")
    out: dict[str, Any] = {k: values[k] for k in _FIELDS if values.get(k) is not None}
    out["name"] = checks.text("name", values.get("name"), "expect_place_name")
    kind = values.get("kind") or "plot"
    if kind not in KINDS:
        checks.fail("kind", "expect_one_of", kind, choices=", ".join(KINDS))
    out["kind"] = kind
    _check_shape(checks, out, values)
    _check_people(conn, org, checks, out)
    if kind == "plot":
        out["crop"] = checks.text("crop", values.get("crop"), "expect_crop")
    elif kind in SPECIES_BY_PLACE and values.get("crop") not in SPECIES_BY_PLACE[kind]:
        checks.fail("crop", "expect_species_of", values.get("crop"),
                    choices=", ".join(SPECIES_BY_PLACE[kind]))
    _check_code(checks, out, rules)
    checks.fit(places, out)
    checks.raise_if_failed(f"The place {values.get('name')!r} is not valid")
    return out, checks.notices


def _check_shape(checks: Checks, out: dict[str, Any], values: Mapping[str, Any]) -> None:
    geometry, declared = values.get("geometry"), values.get("area_ha")
    if isinstance(geometry, str) and geometry.strip():
        try:
            geometry = orjson.loads(geometry)
        except orjson.JSONDecodeError:
            checks.fail("geometry", "expect_geojson", geometry)
            return
    if declared not in (None, ""):
        try:
            declared = float(declared)
        except (TypeError, ValueError):
            checks.fail("area_ha", "expect_hectares", declared)
            return
        if not 0 < declared <= MAX_AREA_HA:
            checks.fail("area_ha", "expect_place_area", declared, high=MAX_AREA_HA)
    else:
        declared = None
    if geometry in (None, ""):
        if out["kind"] in _WITH_AREA and declared is None:
            checks.fail("area_ha", "expect_area_or_geometry", None)
        out["area_ha"], out["geometry"] = declared, None
        return
    result = check_geometry(out.get("name") or "?", geometry, declared_area_ha=declared)
    for issue in result.issues:
        if issue.severity == "error" and issue.code not in WARNED_CODES:
            checks.problems.append(expect(
                f"place.geometry.{issue.as_problem().path}", "expect_boundary", None,
                shown=issue.message_en, rule=issue.code))
        else:
            checks.warn("geometry", issue.message_vi, issue.message_en)
    if result.geometry is not None and result.geometry.point is not None and declared is None:
        checks.fail("area_ha", "expect_point_area", None)
    if result.geometry is not None and not checks.problems:
        shape = result.geometry
        out["geometry"] = orjson.dumps(shape.to_geojson()).decode()
        out["area_ha"] = round(shape.area_ha, 4) if shape.point is None else declared
        if shape.point is None and declared is not None and abs(shape.area_ha - declared) > (
                0.2 * declared):
            surveyed = round(shape.area_ha, 2)
            checks.warn("area_ha", f"Diện tích khai báo {format_amount(declared, 'vi')} ha khác "
                        f"diện tích đo theo ranh giới ({format_amount(surveyed, 'vi')} ha); "
                        "dùng diện tích đo.",
                        f"The declared area {format_amount(declared, 'en')} ha differs from the "
                        f"surveyed boundary ({format_amount(surveyed, 'en')} ha); the surveyed "
                        "area is kept.")


def _check_people(conn: Connection, org: Organization, checks: Checks,
                  out: dict[str, Any]) -> None:
    for name, roles in (("farmer_id", None), ("technical_manager_id",
                                              (Role.TECHNICAL_MANAGER, Role.MANAGER))):
        member_id = out.get(name)
        if member_id is None:
            continue
        row = conn.execute(select(members.c.role).where(
            members.c.id == member_id, members.c.org_id == org.id)).first()
        if row is None:
            checks.fail(name, "expect_member_of", member_id, org=org.name)
        elif roles is not None and Role(row.role) not in roles:
            checks.fail(name, "expect_technical", f"member {member_id} ({row.role})")


def _check_code(checks: Checks, out: dict[str, Any], rules: RegistryRules) -> None:
    code = out.get("area_code")
    if code in (None, ""):
        out["area_code"] = None
        return
    crop, market = out.get("crop") or "*", out.get("market") or "*"
    pattern = rules.code_pattern(crop)
    if not pattern.fullmatch(str(code)):
        checks.fail("area_code", "expect_area_code", code, pattern=pattern.pattern)
    need = rules.readiness.area_threshold(crop, market)
    area = out.get("area_ha")
    if area is not None and area < need:
        checks.warn("area_code", f"Diện tích {format_amount(area, 'vi')} ha dưới mức tối thiểu "
                    f"{format_amount(need, 'vi')} ha của mã số vùng trồng ({crop}, thị trường "
                    f"{market}).",
                    f"The area {format_amount(area, 'en')} ha is under the "
                    f"{format_amount(need, 'en')} ha minimum for a growing-area code ({crop}, "
                    f"market {market}).")


def _uri_for(checks: Checks, org: Organization, values: Mapping[str, Any]) -> str:
    if values.get("uri"):
        uri = str(values["uri"])
        if not _URI.match(uri):
            checks.fail("uri", "expect_place_uri", uri)
        return uri
    if values.get("gln"):
        try:
            return f"https://id.gs1.org/414/{Gln.parse(str(values['gln'])).value}"
        except Exception as exc:  # InvalidIdentifier: its message names the check digit
            checks.fail("gln", "expect_gln", values["gln"])
            del exc
    return f"{PLACE_BASE}{org.id}/{uuid.uuid4().hex[:12]}"


def place_uri(conn: Connection, actor: Actor, values: Mapping[str, Any]
              ) -> tuple[str, Owners | None]:
    """The identifier a new place gets from ``values`` (its ``uri``, its ``gln``, else a private
    one) and, for a GLN, the owners read: refused, naming the field, when it is malformed or a
    GLN that another organization holds (:func:`agritrace.farm.registry.require_holder`). The
    form, the API, the command line and the import preview all ask here."""
    checks = Checks("place")
    uri = _uri_for(checks, actor.org, values)
    checks.raise_if_failed("The place's identifier is not valid")
    if key_of(uri) is None:
        return uri, None
    return uri, require_holder(conn, actor, uri, "place.gln" if values.get("gln") else "place.uri")


def _release_squatted(conn: Connection, actor: Actor, owners: Owners, uri: str) -> None:
    """Free ``uri`` (a GLN) for its holder when an organization that does not hold it registered
    it earlier (before registrations were checked), so the holder gets no 409.

    The earlier place is not deleted: its seasons and diary hang on it. It keeps everything
    under a private identifier of its own organization, and the change is in that
    organization's registry history (made by the holder's registration)."""
    earlier = conn.execute(select(places.c.id, places.c.org_id).where(
        places.c.uri == uri)).first()
    if earlier is None or owners.owner(uri) is None or earlier.org_id in owners.speakers(uri):
        return  # free, or registered by its holder's side: the 409 below stands
    private = f"{PLACE_BASE}{earlier.org_id}/{uuid.uuid4().hex[:12]}"
    conn.execute(update(places).where(places.c.id == earlier.id).values(uri=private))
    in_their_trail = replace(actor, org=Organization(earlier.org_id, actor.org.name))
    write_history(conn, in_their_trail, places.name, earlier.id, {"uri": uri},
                  {"uri": private, "reason": f"{uri} is held by {actor.org.name}, who "
                                             "registered it"})


def add_place(db: Db, actor: Actor, values: Mapping[str, Any],
              rules: RegistryRules | None = None) -> Saved:
    """Register a place; ``values`` hold the columns plus ``geometry`` (GeoJSON), ``uri`` or
    ``gln``. Raises ValidationException naming every wrong field, ConflictException for a
    URI already registered."""
    actor.require_manager("register places")
    with transaction(db) as conn:
        row, notices = check_place(conn, actor.org, values, rules)
        uri, owners = place_uri(conn, actor, values)
        if owners is not None:
            _release_squatted(conn, actor, owners, uri)
        if conn.execute(select(places.c.id).where(places.c.uri == uri)).first() is not None:
            raise ConflictException(f"A place {uri} is already registered",
                                    [Problem("place.uri", "a new identifier", uri)])
        pk = conn.execute(insert(places).values(
            org_id=actor.org.id, uri=uri, created_us=now_micros(), **row)).inserted_primary_key
        assert pk is not None
        write_history(conn, actor, places.name, int(pk[0]), None, row | {"uri": uri})
        place = get_place(conn, actor.org, int(pk[0]))
    return Saved(place, tuple(notices))


def update_place(db: Db, actor: Actor, place_id: int, changes: Mapping[str, Any],
                 rules: RegistryRules | None = None) -> Saved:
    """Change a place; the whole place is checked again and the change is audited."""
    actor.require_manager("change places")
    with transaction(db) as conn:
        current = get_place(conn, actor.org, place_id)
        merged = current.as_dict() | dict(changes)
        if "geometry" in changes and "area_ha" not in changes:
            merged["area_ha"] = None
        row, notices = check_place(conn, actor.org, merged, rules)
        update_row(conn, actor, places, place_id, row)
        place = get_place(conn, actor.org, place_id)
    return Saved(place, tuple(notices))


def get_place(db: Db, org: Organization, place_id: int) -> Place:
    with transaction(db) as conn:
        return _place(org_row(conn, places, org, place_id, "place"))


def place_by_uri(db: Db, org: Organization, uri: str) -> Place:
    with transaction(db) as conn:
        row = conn.execute(select(places).where(places.c.uri == uri,
                                                places.c.org_id == org.id)).first()
    if row is None:
        raise NoSuchResourceException(f"No place {uri} in {org.name}",
                                      [Problem("plot_id", f"a place of {org.name}", uri)])
    return _place(row)


def list_places(db: Db, org: Organization, *, kind: str | None = None,
                farmer_id: int | None = None) -> list[Place]:
    statement = select(places).where(places.c.org_id == org.id)
    if kind is not None:
        statement = statement.where(places.c.kind == kind)
    if farmer_id is not None:
        statement = statement.where(places.c.farmer_id == farmer_id)
    with transaction(db) as conn:
        rows = conn.execute(statement.order_by(places.c.id)).all()
    return [_place(r) for r in rows]
