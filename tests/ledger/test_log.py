"""The log of stored events (issue 18): every stored event is a leaf, in capture order; any
change to a stored event, a deleted event or a reordered log is found by ``agritrace verify``;
heads stay verifiable across a key rotation; the outbox never skips an event that commits late."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, delete, insert, select, update
from typer.testing import CliRunner

from agritrace.capture import capture_document
from agritrace.cli import app
from agritrace.epcis.document import STANDARD_CONTEXT, Document
from agritrace.ledger import merkle, store, verify
from agritrace.ledger.heads import key_id, new_private_text, public_text, signing_key
from agritrace.ledger.tables import ledger_leaves, ledger_nodes
from agritrace.settings import Settings
from agritrace.store.orgs import Organization, create_organization
from agritrace.store.tables import event_terms, events

ORIGIN = "truyxuat.example.vn/log"


def _event(n: int) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTime": f"2026-11-07T09:{n // 60:02d}:{n % 60:02d}+07:00",
            "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "receiving",
            "epcList": [f"https://id.gs1.org/01/09506000134352/21/L{n}"]}


def capture(engine: Engine, org: Organization, numbers: range) -> None:
    doc = Document(kind="EPCISDocument", namespaces={}, name="log.jsonld",
                   events=iter([_event(n) for n in numbers]),
                   header={"@context": [STANDARD_CONTEXT], "schemaVersion": "2.0",
                           "creationDate": "2026-11-07T00:00:00Z"})
    assert capture_document(engine, doc, org).captured == len(numbers)


def _key() -> Ed25519PrivateKey:
    return signing_key(Settings(ledger_signing_key=new_private_text()))


def _keys(*private: Ed25519PrivateKey) -> dict[str, Any]:
    return {key_id(k.public_key()): k.public_key() for k in private}


@pytest.fixture
def logged(engine: Engine) -> tuple[Engine, Ed25519PrivateKey]:
    """Two organizations' events, logged under two heads (5, then 12 leaves)."""
    coop, roaster = (create_organization(engine, name) for name in ("HTX Ẳng Nưa", "Rang Xay"))
    key = _key()
    capture(engine, coop, range(3))
    capture(engine, roaster, range(100, 102))
    store.publish(engine, ORIGIN, key)
    capture(engine, coop, range(3, 10))
    store.publish(engine, ORIGIN, key)
    return engine, key


def test_every_stored_event_is_a_leaf_in_capture_order(logged: tuple[Engine, Any]) -> None:
    engine, key = logged
    with engine.connect() as conn:
        stored = conn.execute(select(events.c.id, events.c.hash_id, events.c.org_id,
                                     events.c.record_time_us).order_by(events.c.id)).all()
        leaves = list(store.entries(conn))
        sizes = [head.tree_size for head in store.heads(conn)]
    assert [(e.event_pk, e.hash_id, e.org_id, e.record_time_us) for e in leaves] == [
        tuple(row) for row in stored]
    assert [e.index for e in leaves] == list(range(12))
    assert sizes == [5, 12]
    assert verify.check_database(engine, _keys(key)) == []


def test_proofs_from_the_store_verify(logged: tuple[Engine, Any]) -> None:
    engine, _ = logged
    with engine.connect() as conn:
        first, last = store.heads(conn)
        leaves = list(store.entries(conn))
        for entry in leaves:
            path = store.inclusion(conn, entry.index, last.tree_size)
            assert merkle.verify_inclusion(entry.index, 12, entry.leaf_hash(), path,
                                           last.root_hash)
        proof = store.consistency(conn, 5, 12)
    assert merkle.verify_consistency(5, 12, first.root_hash, last.root_hash, proof)


def test_a_changed_event_is_found(logged: tuple[Engine, Any]) -> None:
    engine, key = logged
    with engine.begin() as conn:
        pk, body = conn.execute(select(events.c.id, events.c.body).order_by(events.c.id)
                                .offset(6).limit(1)).one()
        changed = orjson.loads(body)
        changed["bizStep"] = "shipping"
        conn.execute(update(events).where(events.c.id == pk).values(
            body=orjson.dumps(changed).decode()))
    wrong = verify.check_database(engine, _keys(key))
    assert len(wrong) == 1 and f"event {pk} was changed" in wrong[0]


def test_a_deleted_event_is_found_even_with_its_leaf_gone(logged: tuple[Engine, Any]) -> None:
    engine, key = logged
    with engine.begin() as conn:
        pk = conn.scalar(select(events.c.id).order_by(events.c.id).offset(2).limit(1))
        conn.execute(delete(event_terms).where(event_terms.c.event_pk == pk))
        conn.execute(delete(ledger_leaves).where(ledger_leaves.c.event_pk == pk))
        conn.execute(delete(events).where(events.c.id == pk))
    wrong = verify.check_database(engine, _keys(key))
    assert any("leaf 2 is missing or out of order" in w for w in wrong)


def test_a_reordered_log_is_found(logged: tuple[Engine, Any]) -> None:
    engine, key = logged
    with engine.begin() as conn:  # swap leaves 3 and 7 (each still names its own event)
        for old, new in ((3, 1000), (7, 3), (1000, 7)):
            conn.execute(update(ledger_leaves).where(ledger_leaves.c.leaf_index == old)
                         .values(leaf_index=new))
    wrong = verify.check_database(engine, _keys(key))
    roots = [w for w in wrong if "do not give the signed root" in w]
    assert len(roots) == 2  # both heads' roots (sizes 5 and 12) no longer come out
    # and the stored subtree hashes no longer match the leaves under them
    assert set(wrong) - set(roots) and all("stored subtree hash" in w
                                           for w in set(wrong) - set(roots))


def test_heads_signed_before_a_rotation_still_verify(engine: Engine) -> None:
    org = create_organization(engine, "HTX Ẳng Nưa")
    old, new = _key(), _key()
    capture(engine, org, range(2))
    store.publish(engine, ORIGIN, old)
    capture(engine, org, range(2, 4))
    store.publish(engine, ORIGIN, new)
    assert verify.check_database(engine, _keys(old, new)) == []
    wrong = verify.check_database(engine, _keys(new))  # the retired key left out of the history
    assert wrong == [f"head of size 2: signed by key {key_id(old.public_key())}, which is not "
                     "a trusted key"]
    with engine.begin() as conn:  # a head re-signed by a stranger's key is not believed
        conn.execute(update(store.ledger_heads).values(key_id=key_id(new.public_key())))
    assert any("does not match" in w for w in verify.check_database(engine, _keys(old, new)))


def _lines(engine: Engine, key: Ed25519PrivateKey) -> list[str]:
    return list(verify.export_lines(engine, ORIGIN, _keys(key)))


def test_an_export_verifies_offline_and_any_edit_is_found(logged: tuple[Engine, Any]) -> None:
    engine, key = logged
    lines = _lines(engine, key)
    assert verify.check_export(lines, _keys(key)) == []
    assert verify.check_export(lines) == []  # with the keys the file names
    heads_end = 3  # header, two heads
    swapped = [*lines[:heads_end + 2], lines[heads_end + 3], lines[heads_end + 2],
               *lines[heads_end + 4:]]
    assert verify.check_export(swapped, _keys(key)) != []
    dropped = lines[:heads_end + 4] + lines[heads_end + 5:]
    assert verify.check_export(dropped, _keys(key)) != []
    leaf = json.loads(lines[heads_end + 8])
    leaf["leaf"]["record_time_us"] += 1
    edited = [*lines[:heads_end + 8], json.dumps(leaf), *lines[heads_end + 9:]]
    assert "do not give the signed root of size 12" in verify.check_export(
        edited, _keys(key))[0]
    # held against another key than the log's, nothing is believed
    assert verify.check_export(lines, _keys(_key())) != []


def _raw_insert(conn: Any, org: Organization, n: int) -> None:
    conn.execute(insert(events).values(
        hash_id=f"ni:///sha-256;{n:064x}?ver=CBV2.0", dedupe_key=f"{org.id}/{n}",
        event_type="ObjectEvent", event_time_us=n, event_tz="+07:00", record_time_us=n,
        org_id=org.id, body="{}"))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_event_committing_after_a_higher_one_is_not_skipped(engine: Engine) -> None:
    """A takes id 1 and stays open; B takes id 2 and commits. The log waits for A rather than
    logging 2 alone (after which 1 would be behind the log for ever), then logs 1, 2."""
    org = create_organization(engine, "Kho A")
    a = engine.connect()
    a.begin()
    _raw_insert(a, org, 1)
    with engine.begin() as b:
        _raw_insert(b, org, 2)
    with pytest.raises(store.LogBusy):
        store.append_settled(engine, wait_s=0.3)
    with engine.connect() as conn:
        assert store.tree_size(conn) == 0
    # publishing meanwhile still signs a fresh head, of what is logged (nothing yet)
    published = store.publish(engine, ORIGIN, _key(), wait_s=0.3)
    assert (published.head.tree_size, published.appended) == (0, 0)
    assert published.waiting is not None and "open" in published.waiting
    # the outbox waiting while A commits: it resumes as soon as A ends
    timer = threading.Timer(0.3, a.commit)
    timer.start()
    assert store.append_settled(engine, wait_s=5) == 2
    timer.join()
    a.close()
    with engine.connect() as conn:
        pks = [e.event_pk for e in store.entries(conn)]
        ordered = list(conn.scalars(select(events.c.id).order_by(events.c.id)))
    assert pks == ordered and len(pks) == 2


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_rolled_back_capture_leaves_no_hole(engine: Engine) -> None:
    org = create_organization(engine, "Kho B")
    a = engine.connect()
    a.begin()
    _raw_insert(a, org, 1)
    with engine.begin() as b:
        _raw_insert(b, org, 2)
    threading.Timer(0.2, a.rollback).start()
    assert store.append_settled(engine, wait_s=5) == 1
    a.close()
    with engine.connect() as conn:
        assert [e.index for e in store.entries(conn)] == [0]


def test_the_verify_command_checks_a_proof_a_head_and_an_export(
        logged: tuple[Engine, Any], tmp_path: Path,
        environment: Any, database_url: str) -> None:
    engine, key = logged
    seed = base64.b64encode(key.private_bytes_raw()).decode()
    environment(database_url=database_url, ledger_signing_key=seed)
    runner = CliRunner()
    capture(engine, create_organization(engine, "Siêu thị"), range(200, 203))
    published = runner.invoke(app, ["log", "publish"])
    assert published.exit_code == 0, published.output
    assert json.loads(published.stdout)["tree_size"] == 15
    assert "3 event(s) appended" in published.stderr
    assert runner.invoke(app, ["verify"]).exit_code == 0
    export = tmp_path / "log.jsonl"
    assert runner.invoke(app, ["log", "export", "--out", str(export)]).exit_code == 0
    result = runner.invoke(app, ["verify", str(export), "--key", public_text(key.public_key())])
    assert (result.exit_code, result.stdout.strip()) == (0, "verified")
    with engine.connect() as conn:
        hash_id = conn.scalar(select(ledger_leaves.c.hash_id).where(
            ledger_leaves.c.leaf_index == 4))
    proved = runner.invoke(app, ["log", "prove", str(hash_id), "--size", "5"])
    assert proved.exit_code == 0, proved.output
    proof = tmp_path / "proof.json"
    proof.write_text(proved.stdout)
    assert runner.invoke(app, ["verify", str(proof)]).exit_code == 0
    bad = json.loads(proved.stdout)
    bad["inclusion"]["leaf"]["org"] += 1
    proof.write_text(json.dumps(bad))
    result = runner.invoke(app, ["verify", str(proof)])
    assert result.exit_code == 1 and "is not in the tree" in result.stderr
    head = tmp_path / "head.json"
    head.write_text(json.dumps(dict(bad["head"], tree_size=6)))
    result = runner.invoke(app, ["verify", str(head)])
    assert result.exit_code == 1 and "does not match the head" in result.stderr


def test_a_rewritten_or_missing_subtree_hash_is_found(logged: tuple[Engine, Any]) -> None:
    """Stored subtree hashes serve the proofs; the signed roots are rebuilt from the leaves, so
    a rewritten node changes no root, only makes an event's proof fail (it looks unlogged)."""
    engine, key = logged
    pair = store.node_key(1, 1)  # leaves 2-3
    with engine.begin() as conn:
        conn.execute(update(ledger_nodes).where(ledger_nodes.c.node == pair)
                     .values(hash=b"\x07" * 32))
        conn.execute(delete(ledger_nodes).where(ledger_nodes.c.node == store.node_key(0, 9)))
        conn.execute(insert(ledger_nodes).values(node=store.node_key(0, 12), hash=b"\0" * 32))
        path = store.inclusion(conn, 0, 12)
        last = store.heads(conn)[-1]
        first = next(store.entries(conn))
    assert not merkle.verify_inclusion(0, 12, first.leaf_hash(), path, last.root_hash)
    wrong = verify.check_database(engine, _keys(key))
    assert wrong[0].startswith("the stored subtree hash of leaves 2-3 (level 1, index 1) was "
                               "rewritten: stored BwcH")
    assert "the stored subtree hash of leaves 9-9 (level 0, index 9) is missing" in wrong[1]
    assert wrong[2:] == ["1 stored subtree hash(es) cover no logged leaves (a tree of 12 "
                         "leaves has 22)"]
