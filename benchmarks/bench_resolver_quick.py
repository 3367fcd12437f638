"""Quick in-process timing of the resolver: the consumer page and the linkset, per request.

Run: ``.venv/bin/python -m benchmarks.bench_resolver_quick [--stamps 20000] [--requests 2000]
[--rounds 5] [--engines sqlite,postgresql]``

No server and no load generator: each request goes straight into the ASGI app in this process,
one at a time, so the figure is the app's own cost per request (routing, the walk, the scan log,
rendering), the part that workers multiply. The median of several rounds is printed, because this
machine is shared and noisy; compare two versions of the code in the same session.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.bench_stamps import GTIN, LOT

_PAGE = [(b"accept", b"text/html")]
_LINKSET = [(b"accept", b"application/linkset+json")]


def _client() -> tuple[bytes, bytes]:
    """A random client address behind the (trusted) proxy: many phones, not one."""
    return b"x-forwarded-for", f"10.{random.randrange(256)}.{random.randrange(256)}.1".encode()


async def _call(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"bench"), *headers, _client()],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    await app(scope, receive, send)
    return status


async def _round(app: Any, paths: list[str], headers: list[tuple[bytes, bytes]]) -> float:
    start = time.perf_counter()
    for path in paths:
        status = await _call(app, path, headers)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
    return (time.perf_counter() - start) / len(paths) * 1000


@contextmanager
def _database(engine_name: str, tmp: Path) -> Iterator[str]:
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp}/quick.db"
        return
    from tests.pgserver import postgres_server

    with postgres_server() as url:
        yield url


def bench(engine_name: str, args: argparse.Namespace, tmp: Path) -> None:
    from agritrace.labels.stamps import issue_stamps
    from agritrace.settings import Settings
    from agritrace.store.engine import make_engine
    from agritrace.store.grants import grant
    from agritrace.store.migrate import upgrade
    from agritrace.store.orgs import create_organization
    from agritrace.web.app import create_app

    with _database(engine_name, tmp) as url:
        engine = make_engine(url)
        upgrade(engine)
        org = create_organization(engine, "bench")
        grant(engine, org, "prefix", GTIN[1:8], "bench")
        batch = issue_stamps(engine, org, GTIN, LOT, args.stamps)
        paths = [link.path for link in batch.links()]
        sample = random.Random(7).choices(paths, k=args.requests)
        app = create_app(Settings(database_url=url, base_url="http://bench",
                                  trusted_proxies="127.0.0.1"), engine)
        loop = asyncio.new_event_loop()
        for name, headers in (("page", _PAGE), ("linkset", _LINKSET)):
            loop.run_until_complete(_round(app, sample[:200], headers))  # warm up
            times = [loop.run_until_complete(_round(app, sample, headers))
                     for _ in range(args.rounds)]
            print(f"{engine_name:10} {name:8} median {statistics.median(times):.3f} ms/request"
                  f"  (rounds: {', '.join(f'{t:.3f}' for t in times)})")
        loop.close()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stamps", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        for engine_name in args.engines.split(","):
            bench(engine_name, args, Path(name))


if __name__ == "__main__":
    main()
