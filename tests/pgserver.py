"""A throwaway PostgreSQL server: initdb in a temp dir, a free port, stopped afterwards.

When run as root, the server runs as the ``postgres`` system user, as PostgreSQL refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if not candidates:
        raise RuntimeError(
            f"PostgreSQL's {name} was not found: install the Debian package postgresql "
            "(scripts/test does it) or put its bin directory on PATH"
        )
    return candidates[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server and yield its SQLAlchemy URL (user ``postgres``, database ``postgres``)."""
    root = Path(tempfile.mkdtemp(prefix="agritrace-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    log = root / "server.log"
    subprocess.run(
        _as_server_user([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--no-locale"]),
        check=True, capture_output=True,
    )
    options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    subprocess.run(
        _as_server_user([_pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                         "-w", "start"]),
        check=True, capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False, capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
