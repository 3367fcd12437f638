"""Stamps at scale: issue a million, then scan random ones through the real app on loopback.

    .venv/bin/python -m benchmarks.bench_stamps [--stamps 1000000] [--duration 15]
        [--connections 16] [--pdf-stamps 100000]

For SQLite (a fresh file) and PostgreSQL (a fresh throwaway server), the benchmark issues
``--stamps`` serialized stamps through :func:`agritrace.labels.stamps.issue_stamps` (1,000 per
commissioning event), starts the app under uvicorn (``--workers``, default 2) in a subprocess, and
drives it with ``wrk`` (the Debian package, installed here if missing) requesting random stamp
URLs from a sample of 20,000 issued ones: first the consumer page (HTML, which also writes the
scan log; each request from a random client address, as many phones behind a proxy), then the
linkset (``Accept: application/linkset+json``). wrk and the server share
this machine's cores. Last, it issues ``--pdf-stamps`` stamps and renders them to A4 sheets.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.progress import Progress

from benchmarks.report import publish

GTIN, LOT = "08931234000356", "R26-1106"
DEFAULT_STAMPS = 1_000_000  # the issue's size
SAMPLE = 20_000
_LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
if os.getenv("BENCH_LINKSET") == "1" then wrk.headers["Accept"] = "application/linkset+json" end
local counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255),
    math.random(0, 255), math.random(1, 254))
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def issue(url: str, count: int) -> tuple[float, list[str]]:
    """Issue ``count`` stamps into the database at ``url``; seconds taken and a sample of paths."""
    from agritrace.labels.stamps import issue_stamps
    from agritrace.store.engine import make_engine
    from agritrace.store.grants import grant
    from agritrace.store.migrate import upgrade
    from agritrace.store.orgs import create_organization

    engine = make_engine(url)
    upgrade(engine)
    org = create_organization(engine, "bench")
    grant(engine, org, "prefix", GTIN[1:8], "bench")  # its codes are genuine, not unverified
    with Progress(transient=True) as progress:
        task = progress.add_task(f"issuing {count:,} stamps", total=count)
        start = time.perf_counter()
        batch = issue_stamps(engine, org, GTIN, LOT, count,
                             progress=lambda n: progress.update(task, completed=n))
        seconds = time.perf_counter() - start
    paths = [link.path for link in batch.links()]
    engine.dispose()
    return seconds, random.Random(7).sample(paths, min(SAMPLE, len(paths)))


@contextmanager
def server(url: str, workers: int) -> Iterator[str]:
    """The app under uvicorn (``workers`` processes) on a free loopback port, until the end."""
    port = _free_port()
    # wrk plays many phones behind a proxy: each request names a random client address (see
    # _LUA), believed from loopback only; one address would log its allowance of scans, no more.
    env = {**os.environ, "AGRITRACE_DATABASE_URL": url,
           "AGRITRACE_BASE_URL": f"http://127.0.0.1:{port}",
           "AGRITRACE_TRUSTED_PROXIES": "127.0.0.1"}
    # Through agritrace.web.serving: plain `uvicorn --workers N` leaves Nagle on (40 ms a page).
    process = subprocess.Popen([sys.executable, "-m", "agritrace.web.serving", "--port", str(port),
                                "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def load(base: str, paths_file: Path, script: Path, *, linkset: bool, duration: int,
         connections: int) -> dict[str, float]:
    """One wrk run; requests/s, p50 and p95 in ms, and the non-2xx/3xx and socket errors."""
    env = {**os.environ, "BENCH_PATHS": str(paths_file), "BENCH_LINKSET": "1" if linkset else "0"}
    done = subprocess.run([_wrk(), "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s",
                           "-s", str(script), base], env=env, check=True, capture_output=True,
                          text=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    requests, micros, p50, p95, status, errors = map(int, line.split()[1:])
    return {"rps": requests / (micros / 1e6), "p50": p50 / 1000, "p95": p95 / 1000,
            "bad": status + errors, "requests": requests}


def bench_engine(name: str, url: str, args: argparse.Namespace, tmp: Path) -> list[list[str]]:
    seconds, paths = issue(url, args.stamps)
    paths_file = tmp / f"paths-{name}.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = tmp / "scan.lua"
    script.write_text(_LUA)
    rows = [[f"{name}: issue {args.stamps:,} stamps", f"{args.stamps / seconds:,.0f} stamps/s",
             f"{seconds:.0f} s", "", ""]]
    with server(url, args.workers) as base:
        load(base, paths_file, script, linkset=False, duration=3, connections=4)  # warm up
        for linkset in (False, True):
            # The machine may be shared: what else ran is part of the result.
            busy = os.getloadavg()[0]
            result = load(base, paths_file, script, linkset=linkset, duration=args.duration,
                          connections=args.connections)
            what = "linkset" if linkset else "consumer page"
            rows.append([f"{name}: {what}, random stamps", f"{result['rps']:,.0f} req/s",
                         f"p50 {result['p50']:.1f} ms", f"p95 {result['p95']:.1f} ms",
                         f"{result['bad']:,} errors of {result['requests']:,}; "
                         f"load average {busy:.1f} before"])
    return rows


def bench_pdf(count: int, tmp: Path) -> list[list[str]]:
    from agritrace.labels.stamps import issue_stamps, write_batch_pdf
    from agritrace.store.engine import make_engine
    from agritrace.store.migrate import upgrade
    from agritrace.store.orgs import create_organization

    engine = make_engine(f"sqlite:///{tmp}/pdf.db")
    upgrade(engine)
    org = create_organization(engine, "bench")
    start = time.perf_counter()
    batch = issue_stamps(engine, org, GTIN, LOT, count)
    issued = time.perf_counter() - start
    start = time.perf_counter()
    with (tmp / "stamps.pdf").open("wb") as out:
        report = write_batch_pdf(batch, out, "https://truyxuat.example.vn", "3x7",
                                 workers=os.cpu_count() or 1)
    rendered = time.perf_counter() - start
    size = (tmp / "stamps.pdf").stat().st_size / 2**20
    return [[f"issue {count:,} stamps (SQLite) and render them to PDF",
             f"{issued + rendered:.0f} s", f"issue {issued:.0f} s, render {rendered:.0f} s",
             f"{report.pages:,} A4 pages 3x7, {size:.0f} MB", ""]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stamps", type=int, default=DEFAULT_STAMPS)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--pdf-stamps", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    from tests.pgserver import postgres_server

    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if "sqlite" in args.engines:
            rows += bench_engine("SQLite", f"sqlite:///{tmp}/stamps.db", args, tmp)
        if "postgresql" in args.engines:
            with postgres_server() as url:
                rows += bench_engine("PostgreSQL", url, args, tmp)
        if args.pdf_stamps:
            rows += bench_pdf(args.pdf_stamps, tmp)
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    notes: dict[str, Any] = {
        "target": "≥ 1,000 pages/s with p95 < 25 ms",
        "load": f"wrk, 1 thread, {args.connections} connections, {args.duration} s per row, "
                f"random URLs from {SAMPLE:,} issued stamps; uvicorn with {args.workers} worker "
                f"processes through agritrace.web.serving (TCP_NODELAY on), {http} HTTP parser, "
                f"{loop} event loop",
        "size": "" if args.stamps == DEFAULT_STAMPS else
                f" Reduced size: {args.stamps:,} stamps in the store, not the issue's "
                f"{DEFAULT_STAMPS:,}.",
    }
    publish("stamps", "Stamps: issuing, scanning and printing (issue 4)",
            ["measure", "result", "detail", "", ""], rows,
            "Target: {target}. Load: {load}. The consumer page writes a scan-log row per "
            "request; the linkset does not. The load average is the machine's 1-minute one "
            "just before the row's run (2 cores: above 2, other work was competing for them)."
            "{size}".format(**notes))


if __name__ == "__main__":
    main()
