"""The cooperative manager's pages under ``/coop``: overview with code readiness, members,
plots drawn from their boundaries, each plot's diary with its warnings, and seasons.

Managers and technical managers only (``Actor.require_manager``); every change goes through
the registry services, which check it and write the audit trail.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agritrace.errors import ValidationException
from agritrace.farm import journal, places, readiness, registry, seasons
from agritrace.farm.compliance import PlotReadiness
from agritrace.farm.diary import KINDS_BY_PLACE, vietnam_today
from agritrace.farm.pesticides import CROPS
from agritrace.farm.registry import Actor, Role
from agritrace.farm.veterinary import AQUACULTURE_SPECIES, LIVESTOCK_SPECIES
from agritrace.scans import inbox
from agritrace.store.orgs import sign_in_link
from agritrace.subscriptions import state
from agritrace.vietnam_time import vietnam_datetime
from agritrace.web.api.deps import engine_of, settings_of
from agritrace.web.i18n import Translator
from agritrace.web.pages.farm import entries
from agritrace.web.pages.farm.common import (
    field_errors,
    friendly,
    manager,
    render,
    same_origin,
    translator,
)
from agritrace.web.pages.farm.farmer import plot_view
from agritrace.web.pages.farm.forms import Form
from agritrace.web.pages.feedback import photo_response

router = APIRouter()
ROLES = tuple(r.value for r in Role)


def _readiness(request: Request, actor: Actor, sector: str = "crop") -> Any:
    """The sector's readiness report, with the thresholds of the settings (as the API's)."""
    return readiness.readiness_report(
        engine_of(request), actor.org, kinds=readiness.SECTOR_PLACES[sector],
        rules=readiness.rules_from(request.app.state.settings))


def _plot_rows(request: Request, actor: Actor, t: Translator) -> list[dict[str, Any]]:
    """Every place that keeps a diary (plots, barns, ponds and cages), each with the
    readiness of its sector."""
    engine = engine_of(request)
    names = {m.id: m.name for m in registry.list_members(engine, actor.org)}
    ready: dict[str, PlotReadiness] = {p.plot_id: p for sector in readiness.SECTOR_PLACES
                                       for p in _readiness(request, actor, sector).plots}
    return [plot_view(t, p) | {"farmer": names.get(p.farmer_id or -1, ""),
                               "technical": names.get(p.technical_manager_id or -1, ""),
                               "readiness": ready.get(p.uri)}
            for p in places.list_places(engine, actor.org) if p.kind in KINDS_BY_PLACE]


@router.get("/coop")
@friendly
def overview(request: Request) -> Response:
    actor = manager(request)
    t = translator(request)
    report = _readiness(request, actor)
    rows = _plot_rows(request, actor, t)
    at_risk = [row["place"].name for row in rows if row["place"].uri in report.coded_at_risk]
    totals = {name: t.number(getattr(report, f"hectares_{name}"), 2)
              for name in ("coded", "ready", "not_ready")}
    return render(request, "farm/coop.html", actor=actor, rows=rows, totals=totals,
                  at_risk=at_risk)


def _members_page(request: Request, actor: Actor, status: int = 200,
                  **context: Any) -> Response:
    members = registry.list_members(engine_of(request), actor.org)
    context.setdefault("values", {"role": Role.FARMER.value})
    context.setdefault("errors", {})
    return render(request, "farm/members.html", status, actor=actor, members=members,
                  roles=ROLES, **context)


@router.get("/coop/members")
@friendly
def members_page(request: Request) -> Response:
    return _members_page(request, manager(request))


@router.post("/coop/members")
@friendly
def add_member(request: Request, form: Form) -> Response:
    same_origin(request)
    actor = manager(request)
    try:
        member = registry.add_member(engine_of(request), actor, name=form.get("name", ""),
                                     role=form.get("role", "farmer"),
                                     phone=form.get("phone", ""))
    except ValidationException as exc:
        return _members_page(request, actor, 400, values=form,
                             errors=field_errors(translator(request), exc.problems))
    return _members_page(request, actor, 201, added=member.name)


@router.post("/coop/members/{member_id}/token")
@friendly
def issue_token(request: Request, member_id: int) -> Response:
    same_origin(request)
    actor = manager(request)
    engine = engine_of(request)
    member = registry.get_member(engine, actor.org, member_id)
    # A one-time code in the link, never the token: links land in SMS logs and histories.
    link = sign_in_link(engine, str(request.base_url),
                        registry.create_member_token(engine, actor, member.id))
    return _members_page(request, actor, 201, issued=(member.name, link.code, link.url))


@router.get("/coop/plots")
@friendly
def plots_page(request: Request) -> Response:
    actor = manager(request)
    return render(request, "farm/coop_plots.html", actor=actor,
                  rows=_plot_rows(request, actor, translator(request)))


@router.get("/coop/plots/{plot_id}")
@friendly
def plot_detail(request: Request, plot_id: int) -> Response:
    actor = manager(request)
    t = translator(request)
    engine = engine_of(request)
    place = places.get_place(engine, actor.org, plot_id)
    row = next(r for r in _plot_rows(request, actor, t) if r["place"].id == place.id)
    plot_seasons = seasons.list_seasons(engine, actor.org, plot_uri=place.uri)
    diary = journal.plot_entries(engine, actor.org, place.uri)
    crops = {s.uri: s.crop for s in plot_seasons}
    return render(request, "farm/coop_plot.html", actor=actor, seasons=plot_seasons,
                  crop_names=CROPS,
                  diary=entries.with_findings(t, place, diary, crops), **row)


def _seasons_page(request: Request, actor: Actor, status: int = 200,
                  **context: Any) -> Response:
    engine = engine_of(request)
    # Plots, barns and ponds hold seasons (a barn's herd, a pond's crop cycle).
    plots = [p for kind in KINDS_BY_PLACE for p in places.list_places(engine, actor.org,
                                                                       kind=kind)]
    names = {p.uri: p.name for p in plots}
    context.setdefault("values", {"start": vietnam_today().isoformat()})
    context.setdefault("errors", {})
    return render(request, "farm/seasons.html", status, actor=actor, plots=plots, names=names,
                  seasons=seasons.list_seasons(engine, actor.org),
                  crop_names=CROPS | LIVESTOCK_SPECIES | AQUACULTURE_SPECIES,
                  today=vietnam_today().isoformat(), **context)


@router.get("/coop/seasons")
@friendly
def seasons_page(request: Request) -> Response:
    return _seasons_page(request, manager(request))


@router.post("/coop/seasons")
@friendly
def open_season(request: Request, form: Form) -> Response:
    same_origin(request)
    actor = manager(request)
    values = {k: v.strip() for k, v in form.items()
              if k in ("plot", "start", "sown_on", "crop", "variety") and v.strip()}
    try:
        season = seasons.open_season(engine_of(request), actor, values)
    except ValidationException as exc:
        return _seasons_page(request, actor, 400, values=form,
                             errors=field_errors(translator(request), exc.problems))
    plot = places.place_by_uri(engine_of(request), actor.org, season.plot_uri)
    return _seasons_page(request, actor, 201, opened=(season.crop, plot.name))


def _tickets_page(request: Request, actor: Actor, status: int = 200,
                  **context: Any) -> Response:
    reports = inbox.tickets_of(engine_of(request), actor.org)
    context.setdefault("errors", {})
    with engine_of(request).connect() as conn:
        photos = inbox.with_photos(conn, [r.id for r in reports])
    return render(request, "farm/tickets.html", status, actor=actor, reports=reports,
                  photos=photos, open_count=sum(r.status in inbox.WAITING for r in reports),
                  **context)


@router.get("/coop/tickets")
@friendly
def tickets_page(request: Request) -> Response:
    return _tickets_page(request, manager(request))


@router.post("/coop/tickets/{ticket_id}/close")
@friendly
def close_ticket(request: Request, ticket_id: int, form: Form) -> Response:
    same_origin(request)
    actor = manager(request)
    try:
        inbox.close_ticket(engine_of(request), actor, ticket_id, form.get("answer", ""))
    except ValidationException as exc:
        return _tickets_page(request, actor, 400, failed=ticket_id,
                             errors=field_errors(translator(request), exc.problems))
    return _tickets_page(request, actor, closed=ticket_id)


@router.post("/coop/tickets/{ticket_id}/acknowledge")
@friendly
def acknowledge_ticket(request: Request, ticket_id: int) -> Response:
    """The owner says it has seen a new report (kept with who and when; 409 once past new)."""
    same_origin(request)
    actor = manager(request)
    inbox.acknowledge_ticket(engine_of(request), actor, ticket_id)
    return _tickets_page(request, actor)


@router.get("/coop/tickets/{ticket_id}/photo")
@friendly
def ticket_photo(request: Request, ticket_id: int) -> Response:
    """The photo sent with one of the organization's reports (its managers only)."""
    return photo_response(inbox.owner_photo(engine_of(request), manager(request), ticket_id))


def _deliveries_page(request: Request, actor: Actor, **context: Any) -> Response:
    t = translator(request)

    def when(time_us: int) -> str:
        moment = vietnam_datetime(time_us)
        return f"{t.date(moment.date())} {moment:%H:%M}"

    context.setdefault("retried", None)
    return render(request, "farm/deliveries.html", actor=actor, when=when,
                  states=state.delivery_state(engine_of(request), actor.org.id),
                  max_attempts=settings_of(request).delivery_max_attempts, **context)


@router.get("/coop/deliveries")
@friendly
def deliveries_page(request: Request) -> Response:
    """Each subscription of the organization: last delivery, failures, dead letters."""
    return _deliveries_page(request, manager(request))


@router.post("/coop/deliveries/{subscription_id}/retry")
@friendly
def retry_deliveries(request: Request, subscription_id: str) -> Response:
    """Send a subscription's dead letters again, from the next round of the worker."""
    same_origin(request)
    actor = manager(request)
    again = state.retry_subscription(engine_of(request), actor.org.id, subscription_id)
    return _deliveries_page(request, actor, retried=again)
