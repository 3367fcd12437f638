"""The farmer's pages under ``/my``: his plots, one short form per kind of entry, the diary.

Each form is a plain HTML form carrying a key made by the server, so a retried post (a double
tap, a reload, a flaky network) stores the entry once. The same endpoint answers JSON when the
page's script sends an entry kept on the phone while offline (``Accept: application/json``).
Every rule - who may write where, what a valid entry is, what is refused or warned about - is
in :func:`agritrace.farm.record.record_entry`; this module only renders.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from agritrace.errors import NoSuchResourceException, Problem, ValidationException
from agritrace.farm import catalog, journal, places, record, seasons
from agritrace.farm.compliance import Refused
from agritrace.farm.diary import KINDS_BY_PLACE, EntryKind, vietnam_today
from agritrace.farm.pesticides import CROPS
from agritrace.farm.places import Place
from agritrace.farm.registry import Actor
from agritrace.farm.veterinary import species_vi
from agritrace.web.api.deps import engine_of
from agritrace.web.i18n import Translator
from agritrace.web.pages.farm import entries
from agritrace.web.pages.farm.common import (
    FieldError,
    field_errors,
    friendly,
    render,
    same_origin,
    signed_in,
    translator,
    wants_json,
)
from agritrace.web.pages.farm.forms import Form
from agritrace.web.pages.plot_svg import plot_drawing

router = APIRouter()


def _plots_of(request: Request, actor: Actor) -> list[Place]:
    """The plots, barns and ponds whose diary this person keeps."""
    farmer = None if actor.role.may_manage else (actor.member_id or -1)
    return [place for kind in KINDS_BY_PLACE
            for place in places.list_places(engine_of(request), actor.org, kind=kind,
                                            farmer_id=farmer)]


def _plot(request: Request, actor: Actor, plot_id: int) -> Place:
    """The plot, if this person keeps its diary (a farmer's own, any for a manager)."""
    place = places.get_place(engine_of(request), actor.org, plot_id)
    record.authorise(actor, place)
    return place


def _kind(kind: str, place: Place) -> EntryKind:
    """A kind of entry this place keeps (a barn no spraying, a plot no vaccination)."""
    kinds = KINDS_BY_PLACE.get(place.kind, ())
    if kind not in kinds:
        raise NoSuchResourceException(f"No form for {kind!r}", [Problem(
            "kind", "one of " + ", ".join(k.value for k in kinds), kind)])
    return EntryKind(kind)


def plot_view(t: Translator, place: Place) -> dict[str, Any]:
    drawing = plot_drawing(place.uri, place.geometry, place.name) if place.geometry else None
    crop = CROPS.get(place.crop) or species_vi(place.crop)
    return {"place": place, "drawing": drawing, "crop": crop,
            "area": t.number(place.area_ha or 0, 2)}


@router.get("/my")
@friendly
def my_plots(request: Request) -> Response:
    actor = signed_in(request)
    t = translator(request)
    plots = _plots_of(request, actor)
    # Every page a farmer may need without network, so the service worker can keep them.
    precache = ["/my", "/my/farm.js"] + [f"/my/plots/{p.id}" for p in plots] + [
        f"/my/plots/{p.id}/{k.value}" for p in plots for k in KINDS_BY_PLACE[p.kind]]
    return render(request, "farm/my_plots.html", actor=actor, offline=True,
                  plots=[plot_view(t, p) for p in plots], precache=precache)


@router.get("/my/plots/{plot_id}")
@friendly
def plot_page(request: Request, plot_id: int) -> Response:
    actor = signed_in(request)
    t = translator(request)
    engine = engine_of(request)
    place = _plot(request, actor, plot_id)
    season = seasons.current_season(engine, actor.org, place.uri, vietnam_today())
    crops = {s.uri: s.crop for s in seasons.list_seasons(engine, actor.org, plot_uri=place.uri)}
    diary = journal.plot_entries(engine, actor.org, place.uri)
    return render(request, "farm/plot.html", actor=actor, offline=True,
                  kinds=KINDS_BY_PLACE[place.kind],
                  season=season, diary=entries.with_findings(t, place, diary, crops),
                  **plot_view(t, place))


def _form_page(request: Request, actor: Actor, place: Place, kind: EntryKind,
               values: dict[str, str], *, status: int = 200,
               exc: ValidationException | None = None) -> Response:
    t = translator(request)
    engine = engine_of(request)
    refusal = exc.text(t.lang) if isinstance(exc, Refused) else ""
    errors = field_errors(t, exc.problems) if exc else {}
    if refusal:  # the refusal says it all in plain words; the rule's wording would repeat it
        errors = {name: FieldError(t("farm_err_refused"), "") for name in errors}
    choices: dict[str, list[tuple[str, str]]] = {}
    if kind in (EntryKind.HARVEST, EntryKind.ANIMAL_SALE):
        choices["gtin"] = [(p.gtin, p.name_vi if t.lang == "vi" else p.name_en or p.name_vi)
                           for p in catalog.list_products(engine, actor.org)]
    suggestions = {"product": entries.spraying_suggestions(place.crop)} \
        if kind is EntryKind.SPRAYING else {}
    no_season = seasons.current_season(engine, actor.org, place.uri, vietnam_today()) is None
    return render(
        request, "farm/entry_form.html", status, actor=actor, offline=True, kind=kind,
        fields=entries.fields_of(kind), required=entries.required(kind), values=values,
        errors=errors, choices=choices, suggestions=suggestions, no_season=no_season,
        refusal=refusal,
        today=vietnam_today().isoformat(), key=values.get("idempotency_key") or _new_key(),
        **plot_view(t, place))


def _new_key() -> str:
    return f"form-{uuid.uuid4().hex}"


@router.get("/my/plots/{plot_id}/{kind}")
@friendly
def entry_form(request: Request, plot_id: int, kind: str) -> Response:
    actor = signed_in(request)
    place = _plot(request, actor, plot_id)
    which = _kind(kind, place)
    defaults = record.entry_defaults(engine_of(request), actor, place.uri, which.value)
    values = entries.form_values(defaults)
    if which is EntryKind.SOWING and place.variety:
        values.setdefault("variety", place.variety)
    values.pop("idempotency_key", None)
    return _form_page(request, actor, place, which, values)


@router.post("/my/plots/{plot_id}/{kind}")
@friendly
def save_entry(request: Request, plot_id: int, kind: str, form: Form) -> Response:
    same_origin(request)
    actor = signed_in(request)
    place = _plot(request, actor, plot_id)
    which = _kind(kind, place)
    fields: dict[str, Any] = entries.entry_fields(which, form) | {"plot_id": place.uri}
    key = form.get("idempotency_key", "")
    try:
        recorded = record.record_entry(engine_of(request), actor, which.value, fields, key)
    except ValidationException as exc:
        if wants_json(request):
            raise
        return _form_page(request, actor, place, which, dict(form), status=400, exc=exc)
    if wants_json(request):
        return JSONResponse(recorded.as_dict(), status_code=200 if recorded.duplicate else 201)
    t = translator(request)
    return render(request, "farm/saved.html", 200 if recorded.duplicate else 201, actor=actor,
                  offline=True, recorded=recorded, when=t.date(recorded.entry.on),
                  what=t(f"farm_kind_{which.value}"), **plot_view(t, place))
