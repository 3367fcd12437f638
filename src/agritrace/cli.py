"""The ``agritrace`` command: thin adapters over the services; readable messages, no tracebacks."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from agritrace.admin import org_app, token_app
from agritrace.console import err, fail, migrated_engine, out
from agritrace.errors import AgritraceError, ValidationException
from agritrace.farm.commands import farm_app
from agritrace.labels.commands import stamps_app
from agritrace.ledger.commands import register as register_ledger
from agritrace.market.commands import register as register_market
from agritrace.province.commands import register as register_province
from agritrace.reports.commands import register as register_reports
from agritrace.settings import Settings, get_settings
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from agritrace.subscriptions.commands import register as register_subscriptions
from agritrace.trace.commands import register as register_trace

app = typer.Typer(help="agritrace: GS1 EPCIS 2.0 traceability for agricultural products.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(token_app, name="token")
app.add_typer(stamps_app, name="stamps")
app.add_typer(farm_app, name="farm")
register_trace(app)
register_reports(app)
register_market(app)
register_province(app)
register_ledger(app)
register_subscriptions(app)

DEMO_SEED = 2026


def _engine() -> Engine:
    return make_engine(get_settings().database_url)



def _program() -> str:
    """How a person runs ``agritrace`` from here: the bare name when the virtualenv's script is
    on PATH, else its path (``.venv/bin/agritrace`` from the project folder)."""
    script = Path(sys.executable).parent / "agritrace"
    if not script.exists() or shutil.which("agritrace") == str(script):
        return "agritrace"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    upgrade(_engine())
    out.print(f"database up to date: {get_settings().database_url}")


@db_app.command("partitions")
def db_partitions(
    ahead: Annotated[int, typer.Option(min=0, max=24, help="Months ahead to create")] = 3,
    detach_before: Annotated[str | None, typer.Option(
        help="Detach the months before this one (YYYY-MM), to archive and drop them")] = None,
) -> None:
    """Create the scan log's monthly partitions ahead and detach old months (PostgreSQL)."""
    from agritrace.store import partitions

    before = None
    if detach_before is not None:
        try:
            before = date.fromisoformat(detach_before + "-01")
        except ValueError as exc:
            raise fail(AgritraceError(f"--detach-before: expected a month as YYYY-MM, found "
                                      f"{detach_before!r}")) from exc
    engine = _engine()
    upgrade(engine)
    with engine.connect() as conn:
        if not partitions.partitioned(conn):
            out.print("The scan log is one table here (SQLite); partitions are PostgreSQL's.")
            return
    for name in partitions.ensure_ahead(engine, ahead=ahead):
        out.print(f"created {name}")
    for name in partitions.detach_before(engine, before) if before else []:
        out.print(f"detached {name}: archive it (pg_dump -t {name}), then DROP TABLE {name}")


@app.command()
def capture(
    files: Annotated[list[Path], typer.Argument(help="EPCIS 2.0 documents (JSON-LD or XML)")],
    org: Annotated[str | None, typer.Option(
        "--org", help="Capturing organization (an existing one; may be left out while the store "
                      "holds one)")] = None,
    proceed: Annotated[bool, typer.Option(help="Store the valid events even if others fail")]
    = False,
) -> None:
    """Capture documents into the event log; exits non-zero if anything was rejected."""
    from agritrace.capture import capture_document
    from agritrace.epcis.xml_codec import read_document
    from agritrace.store.orgs import chosen_organization

    engine = _engine()
    upgrade(engine)
    try:
        organization = chosen_organization(engine, org)
    except AgritraceError as exc:
        raise fail(exc) from exc
    failed = False
    for path in files:
        try:
            with path.open("rb") as handle:
                report = capture_document(engine, read_document(handle, path.name), organization,
                                          proceed=proceed)
        except (OSError, AgritraceError) as exc:
            err.print(f"[red]{path}[/red]: {exc}", highlight=False)
            failed = True
            continue
        colour = "green" if not report.rejected else "red"
        out.print(f"[{colour}]{path}[/{colour}]: {report.total} events, {report.captured} "
                  f"captured, {report.duplicates} duplicates, {report.rejected} rejected"
                  + ("" if report.stored else " — nothing stored"), highlight=False)
        for problem in report.problems:
            err.print(f"  - {problem.message()}", highlight=False, markup=False)
        failed = failed or bool(report.rejected)
    raise typer.Exit(code=1 if failed else 0)


@app.command("hash")
def hash_command(
    file: Annotated[Path, typer.Argument(help="An EPCIS 2.0 document (JSON-LD or XML)")],
) -> None:
    """Print the CBV 2.0 hash ID of each event, one per line, in document order."""
    from agritrace.epcis.hashing import declared_ignore_fields, event_hash_id
    from agritrace.epcis.xml_codec import read_document

    try:
        with file.open("rb") as handle:
            # Not strict: the hash does not depend on the order of XML elements.
            document = read_document(handle, file.name, strict=False)
            # Read all first: a streaming reader meets trailing header fields after the events.
            events = list(document.events)
        ignore = declared_ignore_fields(document.header)
        for index, event in enumerate(events):
            try:
                print(event_hash_id(event, document.namespaces, ignore))
            except ValidationException as exc:  # say which event: a time past year 9999 in UTC
                located = [p.located(document=file.name, event_index=index) for p in exc.problems]
                raise ValidationException(exc.detail, located) from exc
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot read {file}: {exc.strerror}")
        raise typer.Exit(code=2) from exc
    except AgritraceError as exc:
        raise fail(exc) from exc


@app.command()
def events(
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="A query parameter as NAME=VALUE, e.g. -p EQ_bizStep=shipping")]
    = None,
    org: Annotated[str | None, typer.Option(
        "--org", help="Whose events to query (may be left out while the store holds one)")]
    = None,
) -> None:
    """Query events; prints the EPCIS query document as JSON."""
    from agritrace.epcis.render import render_query_document
    from agritrace.query import parse_query, run_query
    from agritrace.store.orgs import chosen_organization

    params: dict[str, str] = {}
    for item in param or []:
        name, sep, value = item.partition("=")
        if not sep:
            err.print(f"[red]error:[/red] --param expects NAME=VALUE, found {item!r}")
            raise typer.Exit(code=2)
        params[name] = value
    engine = _engine()
    try:
        organization = chosen_organization(engine, org)
        page = run_query(engine, parse_query(params), organization)
    except AgritraceError as exc:
        raise fail(exc) from exc
    sys.stdout.buffer.write(render_query_document(page.events, xml=False) + b"\n")


@app.command("backup")
def backup_command(
    out_file: Annotated[Path, typer.Option("--out", help="The backup file to write")]
    = Path("out/agritrace.backup"),
) -> None:
    """Back up the whole store (SQLite online backup; PostgreSQL pg_dump) and print the event
    log's fingerprint, which the restore must give back."""
    from agritrace.store.backup import backup, fingerprint

    settings = get_settings()
    try:
        print_of = fingerprint(migrated_engine())
        backup(settings.database_url, out_file)
    except AgritraceError as exc:
        raise fail(exc) from exc
    out.print(f"backup written: {out_file} ({print_of})", highlight=False)


@app.command("restore")
def restore_command(
    backup_file: Annotated[Path, typer.Argument(metavar="FILE", help="A file from backup")],
    replace: Annotated[bool, typer.Option(
        "--replace", help="Overwrite a store that already holds events")] = False,
) -> None:
    """Restore a backup into the configured store and print its event log's fingerprint."""
    from agritrace.store.backup import fingerprint, restore

    settings = get_settings()
    try:
        restore(backup_file, settings.database_url, replace=replace)
        print_of = fingerprint(migrated_engine())
    except AgritraceError as exc:
        raise fail(exc) from exc
    out.print(f"restored: {print_of}", highlight=False)


def served_settings(host: str, port: int) -> Settings:
    """The settings with the public origin following --host and --port, unless
    AGRITRACE_BASE_URL names it: printed links, the pages' JSON-LD, stamps and QR codes agree."""
    settings = get_settings()
    if "base_url" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"base_url": f"http://{host}:{port}"})


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Run the web platform (migrating the database first)."""
    import uvicorn

    from agritrace.web.app import create_app
    from agritrace.web.metrics import log_requests

    settings = served_settings(host, port)
    log_requests()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    out.print(f"agritrace on http://{host}:{port}  (database: {settings.database_url})")
    # proxy_headers off: X-Forwarded-For is read by the app, from AGRITRACE_TRUSTED_PROXIES only.
    uvicorn.run(create_app(settings, engine), host=host, port=port, log_level="warning",
                proxy_headers=False, timeout_graceful_shutdown=settings.shutdown_grace_s)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve when loaded")]
    = True,
    generated: Annotated[int, typer.Option(
        help="Events of seeded synthetic chains (coffee, tea, rice) added beside it; 0 for none")]
    = 5000,
) -> None:
    """Load the demo coffee chain into a fresh database, print how to explore it, and serve."""
    from sqlalchemy.engine import make_url

    from agritrace.demo import load_demo
    from agritrace.farm.demo import load_farm_demo
    from agritrace.farm.pig_demo import load_pig_demo
    from agritrace.farm.shrimp_demo import load_shrimp_demo
    from agritrace.generator.run import capture_chain
    from agritrace.province.demo import load_province_demo
    from agritrace.reports.rice_demo import demo_commands, load_report_demos
    from agritrace.store.orgs import LOGIN_CODE_DAYS, sign_in_link

    settings = get_settings()
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    chain = load_demo(engine)
    farm = load_farm_demo(engine, chain)  # first, so its login tokens can be printed
    rice = load_report_demos(engine, chain)
    shrimp = load_shrimp_demo(engine)
    pork = load_pig_demo(engine)
    officer = load_province_demo(engine)  # after the farm: its plots are the province's
    synthetic = capture_chain(engine, DEMO_SEED, generated) if generated > 0 else None
    total = chain.events + (synthetic.events if synthetic else 0)
    out.print(f"[green]demo loaded[/green]: {total:,} events in {settings.database_url}")
    for org, token in chain.tokens.items():
        out.print(f"  token for {org}: [bold]{token}[/bold]")
    first_token = next(iter(chain.tokens.values()))
    base = served_settings(host, port).base_url.rstrip("/")
    program = _program()
    out.print("\nTry (the agritrace commands read this database once you run the export):")
    out.print(f"  export AGRITRACE_DATABASE_URL='{settings.database_url}'", highlight=False)
    out.print(f"  curl -H 'Authorization: Bearer {first_token}' "
              f"'{base}/events?EQ_bizStep=commissioning'", highlight=False)
    bag_path = chain.bags[0].removeprefix("https://id.gs1.org")
    out.print(f"  scan a bag of roasted coffee: {base}{bag_path}", highlight=False)
    out.print(f"  scan a pack of shrimp from a pond: {base}{shrimp}", highlight=False)
    out.print(f"  scan a pack of pork from a barn: {base}{pork}", highlight=False)
    out.print(f"  the green-bean lot: {chain.green_lot}", highlight=False)
    out.print(f"  the GS1 codes each organization holds: {program} org grants", highlight=False)
    for command in demo_commands(chain, rice, program):
        out.print(f"  {command}", highlight=False)
    if synthetic is not None and synthetic.first is not None:
        first = synthetic.first
        out.print(f"  trace a {first.recipe} unit back to its plot: {program} trace "
                  f"{first.units[0]} --direction back", highlight=False)
        out.print(f"  recall a harvest lot (report in out/recall/): {program} recall "
                  f"{first.harvest_lots[0]}", highlight=False)
    out.print(f"\nSign-in links (each works once, within {LOGIN_CODE_DAYS} days):")
    for person in [*farm.sign_ins, *rice.sign_ins]:
        link = sign_in_link(engine, base, person.token)
        out.print(f"  sign in as {person.who}: {link.url}", highlight=False)
    desk = sign_in_link(engine, base, officer.token)
    out.print(f"  sign in as {officer.who} (/province): {desk.url}", highlight=False)
    if serve_after:
        serve(host=host, port=port)


if __name__ == "__main__":
    app()
