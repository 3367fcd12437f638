"""CLI commands: ``trace``, ``recall``, ``report fsma204``, ``report one-step``, ``generate``.

Thin adapters over :mod:`agritrace.trace` and :mod:`agritrace.generator`; the main command adds
them with :func:`register`. Errors print as one readable message and exit with code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from agritrace.console import OUT, err, fail, migrated_engine, out, output_file, print_fitted
from agritrace.errors import AgritraceError

report_app = typer.Typer(help="Reports regulators ask for (FSMA 204, one step back/forward).",
                         no_args_is_help=True)




def _time(value: str | None) -> int | None:
    from agritrace.epcis.times import parse_time

    if value is None:
        return None
    try:
        return parse_time(value if "T" in value else f"{value}T00:00:00+07:00")
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r}: expected a date (2026-03-01) or a date-time with a zone") from exc


def _emit(text: str, path: Path | None) -> None:
    if path is None:
        sys.stdout.write(text)
    else:
        output_file(path).write_text(text, encoding="utf-8")
        err.print(f"written: {path}")


def trace_command(
    identifier: Annotated[str, typer.Argument(metavar="ID", help="EPC URN, GS1 Digital Link "
                                              "or other URI (plot, season)")],
    direction: Annotated[str, typer.Option(help="back | forward | both")] = "both",
    output_format: Annotated[str, typer.Option(
        "--format", help="text (a summary to read) | json | csv | dot (the whole graph)")]
    = "text",
    depth: Annotated[int | None, typer.Option(help="Follow at most this many links")] = None,
    since: Annotated[str | None, typer.Option(help="Ignore events before (date or time)")]
    = None,
    until: Annotated[str | None, typer.Option(help="Ignore events after (date or time)")]
    = None,
    output: Annotated[Path | None, typer.Option("--out", help="Write to a file")] = None,
    lang: Annotated[str, typer.Option("--lang", help="The summary's language: vi | en")] = "vi",
) -> None:
    """Trace an identifier back to its sources and/or forward to everything made from it."""
    from agritrace.trace.lineage import TraceRequest, check_direction, trace

    if output_format not in ("text", "json", "csv", "dot"):
        raise typer.BadParameter(f"{output_format!r}: expected text, json, csv or dot")
    if lang not in ("vi", "en"):
        raise typer.BadParameter(f"--lang {lang!r}: expected vi or en")
    if output_format == "text" and output is not None:
        raise typer.BadParameter("--out writes the whole graph: add --format json, csv or dot")
    try:
        graph = trace(migrated_engine(), TraceRequest(identifier, check_direction(direction), depth,
                                              _time(since), _time(until)))
    except AgritraceError as exc:
        raise fail(exc) from exc
    if output_format == "text":
        from agritrace.trace.summary import summary
        from agritrace.web.i18n import Translator

        print_fitted(summary(graph, Translator(lang)))
        text = ""
    elif output_format == "csv":
        text = graph.to_csv()
    elif output_format == "dot":
        text = graph.to_dot()
    else:
        text = orjson.dumps(graph.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n"
    if text:
        _emit(text, output)
    for problem in graph.inconsistencies:
        err.print(f"[yellow]inconsistent data:[/yellow] {problem.detail}", highlight=False)


def recall_command(
    lots: Annotated[list[str] | None, typer.Argument(metavar="LOT...", help="Lots to recall")]
    = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the report files")]
    = OUT / "recall",
    plot: Annotated[str | None, typer.Option(help="Recall the lots harvested on this plot")]
    = None,
    since: Annotated[str | None, typer.Option(help="Harvests from (with --plot)")] = None,
    until: Annotated[str | None, typer.Option(help="Harvests until (with --plot)")] = None,
    mark: Annotated[bool, typer.Option(help="Record the recall as events (disposition "
                                       "recalled)")] = False,
    org: Annotated[str | None, typer.Option(
        help="Organization recording the recall (with --mark): an existing one, the lots' owner "
             "or its delegate (may be left out while the store holds one)")] = None,
    reason: Annotated[str, typer.Option(help="Why (with --mark)")] = "",
) -> None:
    """List everything affected by a recall; write JSON, CSV and vi/en HTML reports."""
    from agritrace.store.orgs import chosen_organization
    from agritrace.trace import recall as recalls
    from agritrace.trace import recall_report

    engine = migrated_engine()
    try:
        recorder = chosen_organization(engine, org) if mark else None  # before any work
        chosen = list(lots or [])
        if plot:
            chosen += recalls.lots_of_plot(engine, plot, _time(since), _time(until))
        if recorder is not None:
            recalls.check_may_recall(engine, recorder, chosen)
        result = recalls.recall(engine, chosen)
        if recorder is not None:
            if not reason.strip():
                raise typer.BadParameter("--mark needs --reason")
            report = recalls.mark_recalled(engine, result, recorder, reason.strip())
            err.print(f"recall recorded: {report.captured} events ({report.status})")
    except AgritraceError as exc:
        raise fail(exc) from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "recall.json").write_bytes(orjson.dumps(result.as_dict(),
                                                       option=orjson.OPT_INDENT_2))
    (out_dir / "recall.csv").write_text(recall_report.to_csv(result), encoding="utf-8")
    for language in recall_report.LANGUAGES:
        (out_dir / f"recall-{language}.html").write_text(
            recall_report.to_html(result, language), encoding="utf-8")
    counts = ", ".join(f"{result.count(k)} {k}" for k in recalls.AFFECTED_KINDS)
    out.print(f"affected: {counts}; recipients: {len(result.recipients)}; "
              f"reports in {out_dir}/", highlight=False)


@report_app.command("fsma204")
def fsma204_command(
    lots: Annotated[list[str], typer.Argument(metavar="LOT...", help="Traceability lots")],
    since: Annotated[str | None, typer.Option(help="From (date or date-time)")] = None,
    until: Annotated[str | None, typer.Option(help="Until (date or date-time)")] = None,
    output: Annotated[Path | None, typer.Option("--out", help="A .csv or .xlsx file (CSV to "
                                                "stdout without)")] = None,
) -> None:
    """The FDA FSMA 204 electronic sortable spreadsheet for lots and a date range."""
    from agritrace.trace import fsma204

    try:
        rows = fsma204.fsma_rows(migrated_engine(), lots, since_us=_time(since),
                                 until_us=_time(until))
    except AgritraceError as exc:
        raise fail(exc) from exc
    if output is not None and output.suffix.lower() == ".xlsx":
        fsma204.write_xlsx(rows, output_file(output))
        err.print(f"written: {output} ({len(rows)} rows)")
        return
    _emit(fsma204.to_csv(rows), output)


@report_app.command("one-step")
def one_step_command(
    lot: Annotated[str, typer.Argument(metavar="LOT", help="The lot")],
    output_format: Annotated[str, typer.Option("--format", help="json | csv")] = "json",
    output: Annotated[Path | None, typer.Option("--out", help="Write to a file")] = None,
) -> None:
    """One step back, one step forward for a lot (Circulars 17/2021, 02/2024)."""
    from agritrace.trace.one_step import one_step

    try:
        report = one_step(migrated_engine(), lot)
    except AgritraceError as exc:
        raise fail(exc) from exc
    text = report.to_csv() if output_format == "csv" else orjson.dumps(
        report.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n"
    _emit(text, output)


def generate_command(
    size: Annotated[str, typer.Option(help="demo, small, medium, large, huge or a number of "
                                      "events (300k, 1.5m)")] = "demo",
    seed: Annotated[int, typer.Option(help="Same seed and size: same chain")] = 2026,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write EPCIS JSON-LD documents "
                                                  "here instead of capturing")] = None,
    per_file: Annotated[int, typer.Option(help="Events per document file")] = 100_000,
    bulk: Annotated[bool, typer.Option(help="Load into a new store (one without events) "
                                       "without capture's per-event checks: the same rows, "
                                       "faster (docs/trace.md)")] = False,
) -> None:
    """Generate a synthetic Vietnamese supply chain (coffee, tea, rice), into the store or files."""
    from agritrace.generator.bulk import load_chain
    from agritrace.generator.run import capture_chain, parse_size, write_documents

    try:
        events = parse_size(size)
        if out_dir is not None:
            result = write_documents(seed, events, out_dir, per_file=per_file)
            err.print(f"{result.events:,} events in {len(result.files)} documents in {out_dir}/")
            return
        result = (load_chain if bulk else capture_chain)(migrated_engine(), seed, events)
    except AgritraceError as exc:
        raise fail(exc) from exc
    out.print(f"{result.events:,} events captured ({result.batches:,} batches, "
              f"{result.units:,} units, {len(result.organizations)} organizations)")
    if result.first is not None:
        out.print(f"try: agritrace trace {result.first.units[0]} --direction back --format csv",
                  highlight=False)
        out.print(f"     agritrace recall {result.first.harvest_lots[0]}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add these commands to the main ``agritrace`` command."""
    app.command("trace")(trace_command)
    app.command("recall")(recall_command)
    app.command("generate")(generate_command)
    app.add_typer(report_app, name="report")
