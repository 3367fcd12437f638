"""The consumer page against a bare Starlette + Jinja page, in the same run (issue 21).

    .venv/bin/python -m benchmarks.bench_page [--duration 8] [--connections 16] [--workers 2]
        [--engines sqlite,postgresql]

Loads the demo store (``agritrace demo --no-serve``) into a fresh database, serves it under
uvicorn (``agritrace.web.serving``, ``--workers`` processes) and drives it with ``wrk`` (as
:mod:`benchmarks.bench_stamps` does, each request from a random client address: a new phone, so
each logs a scan): the demo bag, a generated retail unit and a GTIN-only code, each warm (the
kept page, as a phone asks for it, with ``Accept-Encoding: gzip``, and without) and cold (every
request a miss: a distinct ``Host`` each, so no kept page matches, and the page is rendered and
stored). The anchor is a bare Starlette app rendering a Jinja page of the same size with the
same server settings, served beside the app and measured before the first row and after each
row; the table gives each page's rate as a ratio of the bare page's mean rate just before and
after it (:class:`Anchor`), so that the load of others on this shared machine weighs on both.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from benchmarks.bench_stamps import _LUA, _free_port, load, server
from benchmarks.report import publish

# bench_stamps' script with the phone's Accept-Encoding, and (cold) a Host no kept page has.
_GZIP = 'wrk.headers["Accept-Encoding"] = "gzip"\n'
_COLD = _LUA.replace('headers["X-Forwarded-For"]',
                     'headers["Host"] = string.format("h%d.example", math.random(1, 1e9))\n'
                     '  headers["X-Forwarded-For"]')

_BARE = Environment(autoescape=True).from_string(
    "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{{ title }}</title>"
    "<style>{{ css }}</style></head><body><h1>{{ title }}</h1><ol>{% for step in steps %}"
    "<li><time>{{ step.date }}</time><strong>{{ step.name }}</strong><br>{{ step.by }}</li>"
    "{% endfor %}</ol></body></html>")


def bare_app() -> Starlette:
    """The anchor: a Jinja page of about the demo bag's size (13 KB), no database."""
    steps = [{"date": f"{d:02d}/10/2026", "name": f"Bước {d} của hành trình",
              "by": "HTX Cà phê Mường Ảng · GLN 8931234000011 · Điện Biên"} for d in range(1, 31)]
    css = "body{font-family:sans-serif;margin:0 auto;max-width:40rem}" * 100

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(_BARE.render(title="Cà phê Arabica Mường Ảng 250 g", steps=steps,
                                         css=css))

    return Starlette(routes=[Route("/{rest:path}", page)])


@contextmanager
def bare_server(workers: int) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_page", "--serve-bare",
                                str(port), "--workers", str(workers)], stdout=subprocess.DEVNULL)
    try:
        _wait(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)


def demo_store(url: str) -> dict[str, str]:
    """The demo loaded into ``url``; the paths measured, by name."""
    env = {**os.environ, "AGRITRACE_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "agritrace.cli", "demo", "--no-serve"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    from sqlalchemy import text

    from agritrace.demo import BAG
    from agritrace.store.engine import make_engine

    # No ANALYZE after loading: it would record the empty scan log as empty, and PostgreSQL's
    # plans would then read every scan of a month sequentially (35 sequential scans a page)
    # until autovacuum analyzed it again, a state no running deployment is in.
    engine = make_engine(url)
    base = "https://id.gs1.org"
    with engine.connect() as conn:
        def first(pattern: str, unlike: str) -> str:
            value = conn.execute(text(
                "SELECT min(value) FROM event_terms WHERE role IN ('epc', 'output') AND value "
                "LIKE :pattern AND value NOT LIKE :unlike"),
                {"pattern": pattern, "unlike": unlike}).scalar_one()
            return str(value).removeprefix(base)
        paths = {"demo bag": first(f"{base}/01/{BAG}/21/%", "-"),
                 "generated unit": first(f"{base}/01/%/21/%", f"%{BAG}%"),
                 "GTIN-only code, scanned by many": f"/01/{BAG}"}
    engine.dispose()
    return paths


def bench_engine(name: str, url: str, args: argparse.Namespace, tmp: Path,
                 anchor: Anchor) -> list[list[str]]:
    paths = demo_store(url)
    scripts = {}
    for kind, text in (("warm, gzip", _GZIP + _LUA), ("warm", _LUA), ("cold", _COLD)):
        scripts[kind] = tmp / f"{kind.replace(', ', '-')}.lua"
        scripts[kind].write_text(text)
    rows = []
    with server(url, args.workers) as base:
        settle = 8  # a freshly loaded database (PostgreSQL's caches, its first checkpoint)
        for what, path in paths.items():
            paths_file = tmp / "path.txt"
            paths_file.write_text(path + "\n")
            load(base, paths_file, scripts["warm"], linkset=False, duration=settle,
                 connections=4)
            settle = 2
            for kind, script in scripts.items():
                busy = os.getloadavg()[0]
                result = load(base, paths_file, script, linkset=False, duration=args.duration,
                              connections=args.connections)
                bare = anchor.next()
                rows.append([f"{name}: {what} ({kind})", f"{result['rps']:,.0f} pages/s",
                             f"{result['rps'] / bare:.2f}×", f"p50 {result['p50']:.1f} ms",
                             f"p95 {result['p95']:.1f} ms",
                             f"{result['bad']:,} errors of {result['requests']:,}; bare page "
                             f"{bare:,.0f} req/s; load average {busy:.1f} before"])
    return rows


class Anchor:
    """The bare page, served beside the app and measured again after each row: a row's ratio
    is to the mean of the bare page's rates just before and just after it, so that the load
    of others on this shared machine, which changes from minute to minute, weighs on both."""

    def __init__(self, base: str, args: argparse.Namespace, tmp: Path) -> None:
        self._base, self._args = base, args
        self._script, self._paths = tmp / "bare.lua", tmp / "bare.txt"
        self._script.write_text(_LUA)
        self._paths.write_text("/page\n")
        load(base, self._paths, self._script, linkset=False, duration=2, connections=4)
        self.first = self._measure()
        self.rates = [self.first["rps"]]

    def _measure(self) -> dict[str, float]:
        return load(self._base, self._paths, self._script, linkset=False,
                    duration=self._args.duration, connections=self._args.connections)

    def next(self) -> float:
        """The bare page's rate around the row just measured."""
        self.rates.append(self._measure()["rps"])
        return (self.rates[-2] + self.rates[-1]) / 2

    def row(self, busy: float) -> list[str]:
        first, rates = self.first, self.rates
        return ["bare Starlette + Jinja page (anchor)", f"{first['rps']:,.0f} req/s", "1.00×",
                f"p50 {first['p50']:.1f} ms", f"p95 {first['p95']:.1f} ms",
                f"{first['bad']:,} errors of {first['requests']:,}; load average {busy:.1f} "
                f"before; measured {len(rates)} times beside the rows: {min(rates):,.0f}–"
                f"{max(rates):,.0f} req/s"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        import uvicorn

        from agritrace.web.serving import NoDelayHTTP
        uvicorn.run("benchmarks.bench_page:bare_app", factory=True, port=args.serve_bare,
                    workers=args.workers, http=NoDelayHTTP, log_level="warning",
                    access_log=False)
        return
    from tests.pgserver import postgres_server

    random.seed(7)
    with tempfile.TemporaryDirectory() as name, bare_server(args.workers) as bare:
        tmp = Path(name)
        busy = os.getloadavg()[0]
        anchor = Anchor(bare, args, tmp)
        rows = []
        if "sqlite" in args.engines:
            rows += bench_engine("SQLite", f"sqlite:///{tmp}/demo.db", args, tmp, anchor)
        if "postgresql" in args.engines:
            with postgres_server() as url:
                rows += bench_engine("PostgreSQL", url, args, tmp, anchor)
        rows.insert(0, anchor.row(busy))
    publish("page", "Consumer page against a bare page (issue 21)",
            ["page", "rate", "of the bare page", "p50", "p95", "detail"], rows,
            f"Target: every realistic page ≥ 0.3× the bare page with p95 < 25 ms. Load: wrk, 1 "
            f"thread, {args.connections} connections, {args.duration} s per row, each request "
            f"from a random client address (a new phone: each logs a scan); uvicorn with "
            f"{args.workers} worker processes through agritrace.web.serving, the anchor with the "
            "same settings, served beside the app and measured again after each row: a row's "
            "ratio is to the mean of the bare page's rates just before and after it. Warm: the "
            "kept page (agritrace.pagecache), its verdict decided per request; cold: every "
            "request a miss (a distinct Host header), rendered and stored. "
            "wrk and the servers share this machine's 2 cores.")


if __name__ == "__main__":
    main()
