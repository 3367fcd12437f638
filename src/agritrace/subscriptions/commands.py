"""CLI of subscriptions (docs/api.md, issue 16):

- ``agritrace subscriptions list [--org NAME] [--dead]``: each subscription and its deliveries by
  state; with ``--dead``, the dead-lettered deliveries and why they failed
- ``agritrace subscriptions deliver [--rounds N] [--every S]``: write what became due and send
  what is due (cron runs one round a minute); it always ends
- ``agritrace subscriptions retry [DELIVERY_ID...] [--org NAME]``: dead-lettered deliveries sent
  again from the next round
- ``agritrace subscriptions notices ORG DEST``: a destination for an organization's notices only
  (a province's department, which writes no named query)
"""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated

import typer
from sqlalchemy import Engine, select

from agritrace.console import err, fail, migrated_engine, out
from agritrace.epcis.times import format_time
from agritrace.errors import AgritraceError
from agritrace.settings import get_settings
from agritrace.store.orgs import find_organization
from agritrace.store.tables import organizations
from agritrace.subscriptions.notices import NOTICES_ONLY
from agritrace.subscriptions.outbox import counts, deliver_due, retry
from agritrace.subscriptions.store import notices_only
from agritrace.subscriptions.tables import deliveries, subscriptions

subscriptions_app = typer.Typer(
    help="Subscriptions to named queries (webhook, e-mail, SMS, Zalo): state, delivery, retry.",
    no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(subscriptions_app, name="subscriptions")


def _org_id(engine: Engine, org: str | None) -> int | None:
    return find_organization(engine, org).id if org else None


@subscriptions_app.command("list")
def list_command(
    org: Annotated[str | None, typer.Option(help="Only this organization's")] = None,
    dead: Annotated[bool, typer.Option(help="List the dead-lettered deliveries instead")]
    = False,
) -> None:
    """Print each subscription: id, organization, query, dest and its deliveries by state."""
    engine = migrated_engine()
    try:
        owner = _org_id(engine, org)
        if dead:
            _print_dead(engine, owner)
        else:
            _print_subscriptions(engine, owner)
    except AgritraceError as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()


def _print_subscriptions(engine: Engine, owner: int | None) -> None:
    chosen = select(subscriptions, organizations.c.name).join(
        organizations, organizations.c.id == subscriptions.c.org_id).order_by(
        organizations.c.name, subscriptions.c.query_name, subscriptions.c.created_us)
    if owner is not None:
        chosen = chosen.where(subscriptions.c.org_id == owner)
    with engine.connect() as conn:
        rows = conn.execute(chosen).all()
    states = counts(engine, [row.id for row in rows])
    for row in rows:
        when = ("stream" if row.stream else "notices only" if row.query_name == NOTICES_ONLY
                else f"schedule {row.schedule}")
        seen = format_time(row.last_notified_us, "Z") if row.last_notified_us else "never"
        got = states[row.id]
        out.print(f"{row.id}  {row.name}  {row.query_name}  {row.dest}  {when}  "
                  f"pending {got.pending}, delivered {got.delivered}, dead {got.dead}  "
                  f"last notified {seen}", highlight=False, markup=False)
    if not rows:
        err.print("no subscriptions", highlight=False)


def _print_dead(engine: Engine, owner: int | None) -> None:
    chosen = select(deliveries).where(deliveries.c.state == "dead").order_by(
        deliveries.c.created_us, deliveries.c.id)
    if owner is not None:
        chosen = chosen.where(deliveries.c.org_id == owner)
    with engine.connect() as conn:
        rows = conn.execute(chosen).all()
    for row in rows:
        out.print(f"{row.id}  {row.kind}  {row.dest}  {row.attempts} tries  {row.last_error}",
                  highlight=False, markup=False)
    if not rows:
        err.print("no dead-lettered deliveries", highlight=False)


@subscriptions_app.command("deliver")
def deliver_command(
    rounds: Annotated[int, typer.Option(min=1, max=10_000, help="Rounds to run, then stop")]
    = 1,
    every: Annotated[float, typer.Option(min=0, help="Seconds between rounds")] = 10.0,
) -> None:
    """Write what the subscriptions are owed and send what is due; print each round's counts.
    SIGTERM or Ctrl-C stops it between two deliveries (the one being sent is recorded)."""
    settings = get_settings()
    engine = migrated_engine()
    stop = threading.Event()
    told = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _STOP_SIGNALS}
    try:
        for n in range(rounds):
            if stop.wait(every if n else 0):
                break
            done = deliver_due(engine, settings, stop=stop)
            out.print(json.dumps(done.as_dict()), highlight=False, markup=False)
    except AgritraceError as exc:
        raise fail(exc) from exc
    finally:
        for sig, handler in told.items():
            signal.signal(sig, handler)
        engine.dispose()


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@subscriptions_app.command("notices")
def notices_command(
    org: Annotated[str, typer.Argument(help="The organization (a province's department)")],
    dest: Annotated[str, typer.Argument(help="https://…, mailto:…, sms:… or zalo:…")],
    signature_token: Annotated[str | None, typer.Option(
        help="Secret the webhook's GS1-Signature is made with")] = None,
) -> None:
    """Give an organization a destination for its notices only (recalls, reports, overdue
    reports), without a named query; print the subscription's id."""
    engine = migrated_engine()
    try:
        made = notices_only(engine, find_organization(engine, org), dest, signature_token,
                            get_settings())
    except AgritraceError as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()
    out.print(made.id, highlight=False, markup=False)


@subscriptions_app.command("retry")
def retry_command(
    delivery_ids: Annotated[list[str] | None, typer.Argument(
        metavar="DELIVERY_ID...", help="Dead-lettered deliveries (all when none is named)")]
    = None,
    org: Annotated[str | None, typer.Option(help="Only this organization's")] = None,
) -> None:
    """Send dead-lettered deliveries again, from the next round, with a fresh count of tries."""
    engine = migrated_engine()
    try:
        again = retry(engine, _org_id(engine, org), list(delivery_ids or []))
    except AgritraceError as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()
    err.print(f"{again} deliveries pending again", highlight=False)
