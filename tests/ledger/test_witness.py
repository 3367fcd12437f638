"""Witnesses (issue 18): two instances, each with its own database and served on a local port,
witness each other's log. A witness cosigns a head only when it extends the head it cosigned
before (C2SP tlog-cosignature), keeps that state, and refuses a split view with a clear
message; the log serves the cosignatures it received with its head, as a C2SP checkpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, update
from typer.testing import CliRunner

from agritrace.cli import app as cli
from agritrace.ledger import store, verify, witness
from agritrace.ledger.heads import key_id, new_private_text, public_text, signing_key
from agritrace.ledger.tables import (
    ledger_cosignatures,
    ledger_heads,
    ledger_leaves,
    ledger_nodes,
)
from agritrace.settings import Settings
from agritrace.store.engine import make_engine
from agritrace.store.orgs import create_organization
from agritrace.store.tables import events
from agritrace.web.app import create_app
from tests.conftest import _pg_url, _sqlite_url
from tests.ledger.test_log import capture
from tests.web.browser import serving


@dataclass
class Instance:
    """One agritrace: its database, its log's key, its witness identity, its URL once served."""

    name: str
    engine: Engine
    url_db: str
    seed: str
    witness_seed: str
    url: str = ""

    @property
    def key(self) -> Ed25519PrivateKey:
        return signing_key(Settings(ledger_signing_key=self.seed))

    @property
    def witness_key(self) -> Ed25519PrivateKey:
        return signing_key(Settings(ledger_signing_key=self.witness_seed))

    @property
    def origin(self) -> str:
        return f"{self.name}/log"

    @property
    def cosigner(self) -> witness.Cosigner:
        return witness.Cosigner(f"{self.name}/witness", self.witness_key.public_key())

    def log_keys(self) -> dict[str, Any]:
        return {key_id(self.key.public_key()): self.key.public_key()}

    def settings(self, base: str, watcher: Instance) -> Settings:
        return Settings(database_url=self.url_db, base_url=base, ledger_signing_key=self.seed,
                        ledger_witness_key=self.witness_seed,
                        ledger_witness_name=f"{self.name}/witness",
                        ledger_witnesses=watcher.cosigner.vkey())

    def publish(self, numbers: range) -> None:
        capture(self.engine, create_organization(self.engine, f"HTX {numbers.start}"), numbers)
        store.publish(self.engine, self.origin, self.key)


def _second_database(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        (tmp_path / "other").mkdir()
        return _sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path / "other")
    return _pg_url(request.getfixturevalue("pg_server_url"),
                   request.getfixturevalue("pg_template"))


@pytest.fixture
def pair(request: pytest.FixtureRequest, database_url: str, engine: Engine,
         tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    """Two provinces' instances, each served on a local port, each accepting the other as its
    witness; stopped at the end."""
    other_url = _second_database(request, database_url, tmp_path)
    other = make_engine(other_url)
    a = Instance("son-la.example.vn", engine, database_url, new_private_text(),
                 new_private_text())
    b = Instance("dien-bien.example.vn", other, other_url, new_private_text(),
                 new_private_text())
    with ExitStack() as stack:
        for this, watcher in ((a, b), (b, a)):
            this.url = stack.enter_context(serving(
                lambda base, i=this, w=watcher: create_app(i.settings(base, w), i.engine)))
        yield a, b
    other.dispose()


def _head(instance: Instance) -> dict[str, Any]:
    answer = TestClient(create_app(instance.settings("http://testserver", instance),
                                   instance.engine)).get("/log/head")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _verify_note(note: str, name: str, kind: int, public: Any) -> int:
    """Check one signature line of a signed note by C2SP signed-note's rules, from the spec's
    words (independent of agritrace.ledger.witness); returns a cosignature's timestamp."""
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    raw = public.public_bytes_raw()
    kid = hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + raw).digest()[:4]
    for line in signatures.splitlines():
        dash, line_name, blob64 = line.split(" ")
        blob = base64.b64decode(blob64)
        if dash != "\u2014" or line_name != name or blob[:4] != kid:
            continue
        if kind == 0x01:
            public.verify(blob[4:], text.encode())
            return 0
        (timestamp,) = struct.unpack(">Q", blob[4:12])
        public.verify(blob[12:], f"cosignature/v1\ntime {timestamp}\n{text}".encode())
        return int(timestamp)
    raise AssertionError(f"no signature by {name} in {note!r}")


def test_two_instances_witness_each_other(pair: tuple[Instance, Instance],
                                          tmp_path: Path) -> None:
    a, b = pair
    a.publish(range(3))
    b.publish(range(100, 102))

    # B watches A, A watches B; each cosignature is sent back and served with the head
    seen_by_b = witness.witness(b.engine, a.url, a.log_keys(), b.cosigner.name, b.witness_key)
    seen_by_a = witness.witness(a.engine, b.url, b.log_keys(), a.cosigner.name, a.witness_key)
    assert (seen_by_b.previous, seen_by_b.published, seen_by_a.published) == (None, None, None)
    head = _head(a)
    assert head["tree_size"] == 3 and head["cosignatures"] == [seen_by_b.cosignature]
    note = head["checkpoint"]
    assert note.startswith(f"{a.origin}\n3\n{head['root_hash']}\n{head['timestamp']}\n\n")
    _verify_note(note, a.origin, 0x01, a.key.public_key())  # the log's own signature
    assert _verify_note(note, b.cosigner.name, 0x04, b.witness_key.public_key()) > 1.7e9
    assert _head(b)["cosignatures"] == [seen_by_a.cosignature]

    # A grows: B checks the consistency proof from the 3 leaves it cosigned, and moves on
    a.publish(range(3, 7))
    grown = witness.witness(b.engine, a.url, a.log_keys(), b.cosigner.name, b.witness_key)
    assert grown.previous is not None and grown.previous.tree_size == 3
    with b.engine.connect() as conn:
        state = witness.seen(conn, a.origin)
    assert state is not None and state.tree_size == 7
    assert _head(a)["cosignatures"] == [grown.cosignature]

    # a reader requiring B's cosignature: A's proofs carry it, and verify checks it
    client = TestClient(create_app(a.settings("http://testserver", b), a.engine))
    with a.engine.connect() as conn:
        hash_id = next(store.entries(conn, 5)).hash_id
    proof = client.get("/log/proof/inclusion", params={"event": hash_id}).json()
    assert verify.check_proof(proof, a.log_keys(), [b.cosigner]) == []
    assert verify.check_proof(proof, a.log_keys(), [b.cosigner, a.cosigner]) == [
        "head of size 7: no cosignature by the witness son-la.example.vn/witness"]
    forged = dict(proof, head=dict(proof["head"], cosignatures=[
        witness.cosign(grown.head, b.cosigner.name, Ed25519PrivateKey.generate(), 1)]))
    assert "cosignature does not verify" in verify.check_proof(
        forged, a.log_keys(), [b.cosigner])[0]
    consistent = client.get("/log/proof/consistency", params={"from": 3, "to": 7}).json()
    assert verify.check_proof(consistent, a.log_keys(), [b.cosigner]) == []
    saved = tmp_path / "proof.json"
    saved.write_text(json.dumps(proof))
    checked = CliRunner().invoke(cli, ["verify", str(saved), "--key", public_text(
        a.key.public_key()), "--witness", b.cosigner.vkey()])
    assert (checked.exit_code, checked.stdout.strip()) == (0, "verified"), checked.output


def _rewrite(instance: Instance) -> None:
    """The operator rewrites its log: one event's record time changed, the log rebuilt and
    re-signed with the same key."""
    with instance.engine.begin() as conn:
        for table in (ledger_cosignatures, ledger_heads, ledger_nodes, ledger_leaves):
            conn.execute(delete(table))
        conn.execute(update(events).where(events.c.id == conn.scalar(
            events.select().with_only_columns(events.c.id).order_by(events.c.id).limit(1)))
            .values(record_time_us=events.c.record_time_us + 1))
    store.publish(instance.engine, instance.origin, instance.key)


def test_a_split_view_is_refused_and_the_state_kept(pair: tuple[Instance, Instance],
                                                    environment: Any) -> None:
    a, b = pair
    a.publish(range(4))
    first = witness.witness(b.engine, a.url, a.log_keys(), b.cosigner.name, b.witness_key)
    _rewrite(a)  # the same 4 leaves' count, another root
    with pytest.raises(witness.SplitView, match="two different trees of 4 leaves"):
        witness.witness(b.engine, a.url, a.log_keys(), b.cosigner.name, b.witness_key)
    a.publish(range(4, 6))  # growing the rewritten log does not hide it
    environment(database_url=b.url_db, ledger_witness_key=b.witness_seed,
                ledger_witness_name=b.cosigner.name)
    refused = CliRunner().invoke(cli, ["log", "witness", a.url, "--key",
                                       public_text(a.key.public_key())])
    assert refused.exit_code == 1, refused.output
    assert "refused: split view" in refused.stderr and "does not extend the tree of 4" in \
        refused.stderr and "nothing cosigned" in refused.stderr
    with b.engine.connect() as conn:
        state = witness.seen(conn, a.origin)
    assert state is not None and (state.tree_size, state.root_hash) == (
        4, first.head.root_hash)
    assert _head(a)["cosignatures"] == []
    # a log that lost the head the witness cosigned cannot prove anything from it
    with a.engine.begin() as conn:
        conn.execute(delete(ledger_heads).where(ledger_heads.c.tree_size == 4))
    with pytest.raises(witness.SplitView, match="has no head of 4 leaves any more"):
        witness.witness(b.engine, a.url, a.log_keys(), b.cosigner.name, b.witness_key)


def test_the_witness_command_cosigns_and_a_stranger_key_is_refused(
        pair: tuple[Instance, Instance], environment: Any) -> None:
    a, b = pair
    a.publish(range(2))
    environment(database_url=b.url_db, ledger_witness_key=b.witness_seed,
                ledger_witness_name=b.cosigner.name)
    runner = CliRunner()
    stranger = public_text(Ed25519PrivateKey.generate().public_key())
    wrong_key = runner.invoke(cli, ["log", "witness", a.url, "--key", stranger])
    assert wrong_key.exit_code == 2 and "not a trusted key" in wrong_key.stderr
    done = runner.invoke(cli, ["log", "witness", a.url, "--key",
                               public_text(a.key.public_key())])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == _head(a)["cosignatures"][0]
    assert b.cosigner.vkey() in done.stderr and "extend nothing (first head)" in done.stderr
    # a witness the log does not list: the head is still cosigned, and the log's refusal said
    unlisted = witness.witness(b.engine, a.url, a.log_keys(), "ha-giang.example.vn/witness",
                               b.witness_key)
    assert unlisted.published is not None and "answered 403" in unlisted.published
    assert "is not a witness this log accepts" in unlisted.published
    assert _head(a)["cosignatures"] == [done.stdout.strip()]


def test_the_log_keeps_only_checked_cosignatures_of_its_own_heads(engine: Engine) -> None:
    key, own_witness = (signing_key(Settings(ledger_signing_key=new_private_text()))
                        for _ in range(2))
    accepted = witness.Cosigner("ha-giang.example.vn/witness", own_witness.public_key())
    client = TestClient(create_app(Settings(ledger_signing_key=base64.b64encode(
        key.private_bytes_raw()).decode(), ledger_witnesses=accepted.vkey()), engine))
    capture(engine, create_organization(engine, "HTX"), range(2))
    head = store.publish(engine, "lao-cai.example.vn/log", key).head
    line = witness.cosign(head, accepted.name, own_witness, 1_764_900_000)
    blob = base64.b64decode(line.split(" ")[2])
    assert blob[:4] == accepted.key_id and struct.unpack(">Q", blob[4:12]) == (1_764_900_000,)

    def send(head_json: dict[str, Any], cosignature: str) -> Any:
        return client.post("/log/cosignatures", json={"head": head_json,
                                                      "cosignature": cosignature})

    stranger = witness.cosign(head, accepted.name, Ed25519PrivateKey.generate(), 1_764_900_000)
    assert send(head.as_dict(), stranger).status_code == 403  # same name, another key
    forged = dict(head.as_dict(), tree_size=3)
    assert send(forged, line).status_code == 400  # signed over another head's text
    unpublished = replace(head, timestamp_ms=1)  # never signed by this log
    never = witness.cosign(unpublished, accepted.name, own_witness, 1_764_900_000)
    assert send(unpublished.as_dict(), never).status_code == 404
    assert send(head.as_dict(), "— nobody").status_code == 400
    assert send(head.as_dict(), line).status_code == 201
    assert client.get("/log/head").json()["cosignatures"] == [line]
