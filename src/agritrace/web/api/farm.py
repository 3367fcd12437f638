"""The farm JSON API under ``/farm``: registry, seasons, diary, import, readiness.

Thin adapters over :mod:`agritrace.farm`: a bearer token names the organization (and, for a
member's login token, the member); the services decide what each role may do and raise the
errors that become problem+json naming the field.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from sqlalchemy import Engine

from agritrace.errors import Problem, ValidationException
from agritrace.farm import (
    catalog,
    importer,
    journal,
    places,
    profiles,
    readiness,
    record,
    registry,
    seasons,
)
from agritrace.farm.masterdata import master_data
from agritrace.farm.registry import Actor, Notice
from agritrace.store.orgs import sign_in_link
from agritrace.web.api.deps import engine_of, require_actor

router = APIRouter(prefix="/farm", tags=["farm"])
Payload = Annotated[dict[str, Any], Body()]


# A member's sign-in or an organization token (reading or writing by the HTTP method).
ActorDep = Annotated[Actor, Depends(require_actor)]
EngineDep = Annotated[Engine, Depends(engine_of)]
# Row ids are signed 64-bit integers on both engines: a larger number names no row, and
# refusing it here keeps it from reaching the driver (an OverflowError, a 500, before).
_ROW_ID_MAX = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=_ROW_ID_MAX)]


def _notices(notices: tuple[Notice, ...] | list[Notice]) -> list[dict[str, str]]:
    return [n.as_dict() for n in notices]


def _date_param(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationException("A date parameter is not valid", [Problem(
            name, "a date as YYYY-MM-DD", repr(value))]) from None


@router.get("/me")
def me(actor: ActorDep) -> dict[str, Any]:
    return {"organization": actor.org.name, "name": actor.name, "role": actor.role.value,
            "member_id": actor.member_id}


# --- members ---------------------------------------------------------------------------------


@router.get("/members")
def get_members(actor: ActorDep, engine: EngineDep) -> list[dict[str, Any]]:
    """The cooperative's members with their phones: its managers' list, not every farmer's."""
    actor.require_manager("see the member list")
    return [m.as_dict() for m in registry.list_members(engine, actor.org)]


@router.post("/members", status_code=201)
def post_member(actor: ActorDep, engine: EngineDep, payload: Payload) -> dict[str, Any]:
    member = registry.add_member(engine, actor, name=str(payload.get("name", "")),
                                 role=str(payload.get("role", "farmer")),
                                 phone=str(payload.get("phone", "")))
    return member.as_dict()


@router.patch("/members/{member_id}")
def patch_member(member_id: RowId, actor: ActorDep, engine: EngineDep,
                 payload: Payload) -> dict[str, Any]:
    return registry.update_member(engine, actor, member_id, payload).as_dict()


@router.post("/members/{member_id}/token", status_code=201)
def post_member_token(request: Request, member_id: RowId, actor: ActorDep,
                      engine: EngineDep) -> dict[str, Any]:
    """A new sign-in for the member, as a one-time link (the token itself is never shown)."""
    link = sign_in_link(engine, str(request.base_url),
                        registry.create_member_token(engine, actor, member_id))
    return {"member_id": member_id, "link": link.url, "code": link.code,
            "expires": link.expires}


# --- places, products, certificates, seasons -------------------------------------------------


@router.get("/places")
def get_places(actor: ActorDep, engine: EngineDep,
               kind: str | None = None) -> list[dict[str, Any]]:
    farmer = None if actor.role.may_manage else (actor.member_id or -1)
    return [p.as_dict() for p in places.list_places(engine, actor.org, kind=kind,
                                                    farmer_id=farmer)]


@router.post("/places", status_code=201)
def post_place(actor: ActorDep, engine: EngineDep, payload: Payload) -> dict[str, Any]:
    saved = places.add_place(engine, actor, payload)
    return saved.place.as_dict() | {"warnings": _notices(saved.notices)}


@router.get("/places/{place_id}")
def get_place(place_id: RowId, actor: ActorDep, engine: EngineDep) -> dict[str, Any]:
    place = places.get_place(engine, actor.org, place_id)
    record.authorise(actor, place)
    return place.as_dict()


@router.patch("/places/{place_id}")
def patch_place(place_id: RowId, actor: ActorDep, engine: EngineDep,
                payload: Payload) -> dict[str, Any]:
    saved = places.update_place(engine, actor, place_id, payload)
    return saved.place.as_dict() | {"warnings": _notices(saved.notices)}


@router.get("/products")
def get_products(actor: ActorDep, engine: EngineDep) -> list[dict[str, Any]]:
    return [p.as_dict() for p in catalog.list_products(engine, actor.org)]


@router.post("/products", status_code=201)
def post_product(actor: ActorDep, engine: EngineDep, payload: Payload) -> dict[str, Any]:
    product, notices = catalog.add_product(engine, actor, payload)
    return product.as_dict() | {"warnings": _notices(notices)}


@router.patch("/products/{product_id}")
def patch_product(product_id: RowId, actor: ActorDep, engine: EngineDep,
                  payload: Payload) -> dict[str, Any]:
    product, notices = catalog.update_product(engine, actor, product_id, payload)
    return product.as_dict() | {"warnings": _notices(notices)}


@router.get("/certificates")
def get_certificates(actor: ActorDep, engine: EngineDep,
                     valid_on: str | None = None) -> list[dict[str, Any]]:
    day = _date_param("valid_on", valid_on)
    return [c.as_dict() for c in catalog.list_certificates(engine, actor.org, valid_on=day)]


@router.post("/certificates", status_code=201)
def post_certificate(actor: ActorDep, engine: EngineDep, payload: Payload) -> dict[str, Any]:
    certificate, notices = catalog.add_certificate(engine, actor, payload)
    return certificate.as_dict() | {"warnings": _notices(notices)}


@router.get("/seasons")
def get_seasons(actor: ActorDep, engine: EngineDep,
                plot: str | None = None) -> list[dict[str, Any]]:
    """The seasons of the cooperative's plots; a farmer's, of his own plots only."""
    if plot is not None:
        record.authorise(actor, places.place_by_uri(engine, actor.org, plot))
    mine = _farmer_plots(actor, engine)
    return [s.as_dict() for s in seasons.list_seasons(engine, actor.org, plot_uri=plot)
            if mine is None or s.plot_uri in mine]


def _farmer_plots(actor: Actor, engine: Engine) -> set[str] | None:
    """The URIs of a farmer's own plots; None for a manager, who sees every plot."""
    if actor.role.may_manage:
        return None
    return {p.uri for p in places.list_places(engine, actor.org, farmer_id=actor.member_id or -1)}


@router.post("/seasons", status_code=201)
def post_season(actor: ActorDep, engine: EngineDep, payload: Payload) -> dict[str, Any]:
    return seasons.open_season(engine, actor, payload).as_dict()


@router.post("/seasons/close")
def close_season(actor: ActorDep, engine: EngineDep, payload: Payload) -> dict[str, Any]:
    end = _date_param("end", str(payload.get("end"))) or date.min
    return seasons.close_season(engine, actor, str(payload.get("uri", "")), end).as_dict()


@router.get("/profile")
def get_profile(actor: ActorDep, engine: EngineDep) -> dict[str, str]:
    return profiles.get_profile(engine, actor.org.id).as_dict()


@router.patch("/profile")
def patch_profile(actor: ActorDep, engine: EngineDep, payload: Payload) -> dict[str, str]:
    """The address and contact shown beside the organization's name on its products' pages."""
    return profiles.set_profile(engine, actor, payload).as_dict()


@router.get("/history")
def get_history(actor: ActorDep, engine: EngineDep, table: str | None = None,
                record_id: Annotated[int | None, Query(ge=1, le=_ROW_ID_MAX)] = None,
                ) -> list[dict[str, Any]]:
    actor.require_manager("read the registry history")
    return registry.history(engine, actor.org, table, record_id)


@router.get("/masterdata")
def get_master_data(actor: ActorDep, engine: EngineDep) -> dict[str, Any]:
    """Every place, farmer and product of the registry: the managers' export."""
    actor.require_manager("export the registry as master data")
    return {"epcisMasterData": master_data(engine, actor.org)}


# --- diary -----------------------------------------------------------------------------------


@router.post("/diary", status_code=201)
def post_diary(request: Request, response: Response, actor: ActorDep, engine: EngineDep,
               payload: Payload) -> dict[str, Any]:
    """One diary entry: ``kind`` plus its fields; the key comes from the ``Idempotency-Key``
    header or the ``idempotency_key`` field. A re-sent entry answers 200 with the stored event."""
    fields = dict(payload)
    kind = str(fields.pop("kind", ""))
    key = request.headers.get("idempotency-key") or str(fields.pop("idempotency_key", ""))
    fields.pop("idempotency_key", None)
    recorded = record.record_entry(engine, actor, kind, fields, key)
    if recorded.duplicate:
        response.status_code = 200
    return recorded.as_dict()


@router.get("/diary")
def get_diary(actor: ActorDep, engine: EngineDep, plot: str | None = None,
              season: str | None = None) -> list[dict[str, Any]]:
    if season is not None:
        plot_of_season = seasons.get_season(engine, actor.org, season).plot_uri
        record.authorise(actor, places.place_by_uri(engine, actor.org, plot_of_season))
        entries = journal.season_entries(engine, actor.org, season)
    elif plot is not None:
        record.authorise(actor, places.place_by_uri(engine, actor.org, plot))
        entries = journal.plot_entries(engine, actor.org, plot)
    else:
        raise ValidationException("Say whose diary", [Problem(
            "plot", "a plot URI (plot=…) or a season URI (season=…)", "neither")])
    return [{"kind": e.kind.value} | dataclasses.asdict(e) for e in entries]


@router.get("/diary/defaults")
def get_defaults(actor: ActorDep, engine: EngineDep, plot: str,
                 kind: str) -> dict[str, Any]:
    return record.entry_defaults(engine, actor, plot, kind)


@router.get("/lots/origin")
def get_lot_origin(actor: ActorDep, engine: EngineDep, lot: str) -> dict[str, Any]:
    origin = journal.lot_origin(engine, actor.org, lot)
    record.authorise(actor, places.place_by_uri(engine, actor.org, origin.harvest.plot_id))
    return {"lot": origin.lot_class, "plot": origin.harvest.plot_id,
            "season": origin.harvest.season_id,
            "diary": [{"kind": e.kind.value} | dataclasses.asdict(e) for e in origin.diary]}


# --- import and readiness --------------------------------------------------------------------


@router.post("/import")
async def post_import(
    request: Request, actor: ActorDep, engine: EngineDep,
    kind: Annotated[str, Query(description="members, plots or diary")],
    filename: Annotated[str, Query(description="the file's name: .csv or .xlsx")] = "import.csv",
    apply: bool = False, apply_good_rows: bool = False,
) -> dict[str, Any]:
    """The file is the request body. Without ``apply`` only the preview is returned."""
    actor.require_manager("import the cooperative's files")  # as the /coop/import page
    data = await request.body()
    if not apply:
        return importer.preview_import(engine, actor, kind, data, filename).as_dict()
    return importer.apply_import(engine, actor, kind, data, filename,
                                 apply_good_rows=apply_good_rows).as_dict()


@router.get("/readiness")
def get_readiness(request: Request, actor: ActorDep, engine: EngineDep,
                  as_of: str | None = None, sector: str = "crop") -> dict[str, Any]:
    """Growing-area code readiness of the plots; ``sector=livestock`` or ``aquaculture``:
    VietGAHP / VietGAP readiness of the barns, or the ponds and cages."""
    actor.require_manager("see the code readiness report")
    kinds = readiness.SECTOR_PLACES.get(sector)
    if kinds is None:
        raise ValidationException("Unknown sector", [Problem(
            "sector", "one of " + ", ".join(readiness.SECTOR_PLACES), repr(sector))])
    report = readiness.readiness_report(
        engine, actor.org, as_of=_date_param("as_of", as_of), kinds=kinds,
        rules=readiness.rules_from(request.app.state.settings))
    return {
        "organization": report.cooperative_id, "hectares_coded": report.hectares_coded,
        "hectares_ready": report.hectares_ready,
        "hectares_not_ready": report.hectares_not_ready,
        "coded_at_risk": report.coded_at_risk,
        "plots": [{"plot": p.plot_id, "area_ha": p.area_ha, "status": p.status,
                   "checks": [dataclasses.asdict(c) for c in p.checks]} for p in report.plots],
    }
