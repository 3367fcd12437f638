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
from dataclasses import dataclass
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


def _start(data: Path, root: Path, port: int, settings: str = "") -> None:
    sockets = root / f"sock-{port}"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(sockets, "postgres")
    options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
               f"-c full_page_writes=off -c max_connections=200 {settings}")
    subprocess.run(
        _as_server_user([_pg_bin("pg_ctl"), "-D", str(data), "-l", str(root / f"{port}.log"),
                         "-o", options, "-w", "start"]),
        check=True, capture_output=True,
    )


def _stop(data: Path, mode: str = "fast") -> None:
    subprocess.run(_as_server_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"]),
                   check=False, capture_output=True)


def _url(port: int) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"


def _new_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="agritrace-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    return root


def _initdb(data: Path) -> None:
    subprocess.run(
        _as_server_user([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--no-locale"]),
        check=True, capture_output=True,
    )


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server and yield its SQLAlchemy URL (user ``postgres``, database ``postgres``)."""
    root = _new_root()
    data, port = root / "data", _free_port()
    _initdb(data)
    _start(data, root, port, "-c synchronous_commit=off")
    try:
        yield _url(port)
    finally:
        _stop(data)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Cluster:
    """A primary and its streaming standbys (PostgreSQL's own physical replication)."""

    root: Path
    nodes: list[tuple[Path, int]]  # (data directory, port); the first is the primary

    @property
    def urls(self) -> list[str]:
        return [_url(port) for _, port in self.nodes]

    def kill(self, index: int) -> None:
        """Stop a node the way a crash does: no checkpoint, no goodbye to its clients."""
        _stop(self.nodes[index][0], "immediate")

    def promote(self, index: int) -> None:
        subprocess.run(_as_server_user([_pg_bin("pg_ctl"), "-D", str(self.nodes[index][0]), "-w",
                                        "promote"]), check=True, capture_output=True)


@contextmanager
def postgres_cluster(standbys: int, *, synchronous: bool = False) -> Iterator[Cluster]:
    """A primary and ``standbys`` hot standbys cloned with pg_basebackup and streaming from it.
    ``synchronous``: a commit is acknowledged once one standby has it on disk (the trade-off
    docs/operations.md describes for acknowledged captures)."""
    root = _new_root()
    primary, port = root / "primary", _free_port()
    _initdb(primary)
    names = ",".join(f"standby{n}" for n in range(1, standbys + 1))
    sync = f"-c synchronous_standby_names='ANY 1 ({names})'" if synchronous else ""
    _start(primary, root, port, sync)
    cluster = Cluster(root, [(primary, port)])
    try:
        for n in range(1, standbys + 1):
            data, standby_port = root / f"standby{n}", _free_port()
            subprocess.run(_as_server_user([
                _pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                "-D", str(data), "-R", "-X", "stream", "-d",
                f"host=127.0.0.1 port={port} user=postgres application_name=standby{n}"]),
                check=True, capture_output=True)
            _start(data, root, standby_port)
            cluster.nodes.append((data, standby_port))
        yield cluster
    finally:
        for data, _ in cluster.nodes:
            _stop(data, "immediate")
        shutil.rmtree(root, ignore_errors=True)
