"""Checking the log: a proof, a head's signature, an exported log, or this database's events.

Each check returns the list of what is wrong (empty: all holds), in words a person can act on.
The export is JSON Lines (docs/ledger.md): a header naming the origin and the trusted keys, the
signed heads, then every leaf in order; it is read as a stream, so its size does not matter.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, func, select

from agritrace.epcis.hashing import event_hash_id
from agritrace.ledger import merkle
from agritrace.ledger.heads import Head, check_signature, key_id, parse_public, public_text
from agritrace.ledger.store import Entry, entries, heads, node_key, tree_size
from agritrace.ledger.tables import ledger_nodes
from agritrace.ledger.witness import Cosigner, check_cosigned
from agritrace.store.tables import events

EXPORT_FORMAT = "agritrace-log/1"


def _b64(items: Iterable[str]) -> list[bytes]:
    return [base64.b64decode(item, validate=True) for item in items]


def _entry(data: dict[str, Any]) -> Entry:
    return Entry(int(data["index"]), int(data["capture"]), str(data["hash_id"]),
                 int(data["org"]), int(data["record_time_us"]))


def check_head(head: Head, keys: dict[str, Ed25519PublicKey]) -> list[str]:
    wrong = check_signature(head, keys)
    return [f"head of size {head.tree_size}: {wrong}"] if wrong else []


def check_proof(proof: dict[str, Any], keys: dict[str, Ed25519PublicKey],
                witnesses: list[Cosigner] | None = None) -> list[str]:
    """An inclusion proof, a consistency proof or a bare head, as the API answers them; with
    ``witnesses``, each of its heads must carry a valid cosignature by each of them."""
    try:
        if "inclusion" in proof:
            wrong = _check_inclusion(proof, keys)
        elif "consistency" in proof:
            wrong = _check_consistency(proof, keys)
        else:
            wrong = check_head(Head.from_dict(proof.get("head", proof)), keys)
        heads = ([proof["from"], proof["to"]] if "consistency" in proof
                 else [proof.get("head", proof)])
        for head in heads if witnesses else []:
            wrong.extend(check_cosigned(head, witnesses or []))
        return wrong
    except (KeyError, ValueError, TypeError) as exc:
        return [f"not a proof or head this version reads: {exc}"]


def _check_inclusion(proof: dict[str, Any], keys: dict[str, Ed25519PublicKey]) -> list[str]:
    head = Head.from_dict(proof["head"])
    part = proof["inclusion"]
    entry = _entry(part["leaf"])
    wrong = check_head(head, keys)
    if int(part["tree_size"]) != head.tree_size:
        wrong.append(f"the proof is for size {part['tree_size']}, the head {head.tree_size}")
    if not merkle.verify_inclusion(entry.index, head.tree_size, entry.leaf_hash(),
                                   _b64(part["path"]), head.root_hash):
        wrong.append(f"leaf {entry.index} ({entry.hash_id}) is not in the tree of the head "
                     f"of size {head.tree_size}")
    return wrong


def _check_consistency(proof: dict[str, Any], keys: dict[str, Ed25519PublicKey]) -> list[str]:
    old, new = Head.from_dict(proof["from"]), Head.from_dict(proof["to"])
    wrong = check_head(old, keys) + check_head(new, keys)
    if not merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash,
                                     new.root_hash, _b64(proof["consistency"])):
        wrong.append(f"the tree of size {new.tree_size} does not extend the tree of size "
                     f"{old.tree_size}: the log was rewritten")
    return wrong


# -- whole logs --------------------------------------------------------------------------------

def check_leaves(leaves: Iterable[Entry], signed: list[Head],
                 keys: dict[str, Ed25519PublicKey],
                 nodes: Callable[[list[tuple[int, int, bytes]]], None] | None = None
                 ) -> list[str]:
    """Rebuild the tree from ``leaves`` and hold it against every signed head; ``nodes`` is
    given each perfect subtree completed on the way, as (level, index, hash)."""
    wrong = [problem for head in signed for problem in check_head(head, keys)]
    by_size: dict[int, list[Head]] = {}
    for head in signed:
        by_size.setdefault(head.tree_size, []).append(head)
    tree = merkle.CompactRange()
    _hold(tree, by_size, wrong)
    for entry in leaves:
        if entry.index != tree.size:
            wrong.append(f"leaf {tree.size} is missing or out of order (found index "
                         f"{entry.index})")
            return wrong
        done = tree.append(entry.leaf_hash())
        if nodes is not None:
            nodes(done)
        _hold(tree, by_size, wrong)
    wrong.extend(f"a head of size {size} is signed but the log has only {tree.size} leaves"
                 for size in sorted(by_size) if size > tree.size)
    return wrong


def _hold(tree: merkle.CompactRange, by_size: dict[int, list[Head]], wrong: list[str]) -> None:
    for head in by_size.get(tree.size, []):
        if head.root_hash != tree.root():
            wrong.append(f"the leaves do not give the signed root of size {head.tree_size} "
                         f"(signed at {head.timestamp_ms} ms): an entry was changed, removed "
                         "or reordered")


def check_database(engine: Engine, keys: dict[str, Ed25519PublicKey]) -> list[str]:
    """Every logged event is stored unchanged, the leaves give every signed head, and the
    stored subtree hashes (which proofs are read from) are the leaves' own."""
    with engine.connect() as conn:
        signed = heads(conn)
        stored = _StoredNodes(conn)
        wrong = check_leaves(entries(conn), signed, keys, stored.add)
        wrong.extend(stored.finish(tree_size(conn)))
        wrong.extend(_check_events(conn, entries(conn)))
        if not signed and tree_size(conn):
            wrong.append("no signed head yet: nothing to hold the leaves against")
    return wrong


class _StoredNodes:
    """Holds the stored perfect-subtree hashes against the ones the leaves give, a batch of
    keys per query. A rewritten node would not change a signed root (those are rebuilt from
    the leaves) but would make every proof through it fail: an operator could make an event
    look absent from the log."""

    BATCH = 1000

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.pending: dict[int, tuple[int, int, bytes]] = {}
        self.wrong: list[str] = []
        self.matched = 0  # stored nodes that the leaves do give (rightly or not)

    def add(self, done: list[tuple[int, int, bytes]]) -> None:
        for level, index, digest in done:
            self.pending[node_key(level, index)] = (level, index, digest)
        if len(self.pending) >= self.BATCH:
            self._compare()

    def _compare(self) -> None:
        found = {int(key): bytes(digest) for key, digest in self.conn.execute(
            select(ledger_nodes.c.node, ledger_nodes.c.hash).where(
                ledger_nodes.c.node.in_(list(self.pending))))}
        self.matched += len(found)
        # in the order of the leaves they cover, the smaller first
        for key, (level, index, digest) in sorted(
                self.pending.items(), key=lambda item: (item[1][1] << item[1][0], item[1][0])):
            where = (f"stored subtree hash of leaves {index << level}-"
                     f"{((index + 1) << level) - 1} (level {level}, index {index})")
            if key not in found:
                self.wrong.append(f"the {where} is missing: proofs through it fail")
            elif found[key] != digest:
                self.wrong.append(f"the {where} was rewritten: stored "
                                  f"{base64.b64encode(found[key]).decode()}, the leaves give "
                                  f"{base64.b64encode(digest).decode()}")
        self.pending = {}

    def finish(self, size: int) -> list[str]:
        """What is left to compare, and nodes stored that no leaves give (a tree of n leaves
        has 2n - popcount(n) perfect subtrees)."""
        if self.pending:
            self._compare()
        count = int(self.conn.scalar(select(func.count()).select_from(ledger_nodes)))
        if count > self.matched:
            expected = 2 * size - bin(size).count("1")
            self.wrong.append(f"{count - self.matched} stored subtree hash(es) cover no logged "
                              f"leaves (a tree of {size} leaves has {expected})")
        return self.wrong[:100] + ([f"… and {len(self.wrong) - 100} more subtree hashes"]
                                   if len(self.wrong) > 100 else [])


def _check_events(conn: Any, leaves: Iterator[Entry]) -> list[str]:
    wrong: list[str] = []
    batch: list[Entry] = []
    for entry in leaves:
        batch.append(entry)
        if len(batch) == 1000:
            wrong.extend(_check_batch(conn, batch))
            batch = []
    wrong.extend(_check_batch(conn, batch))
    return wrong


def _check_batch(conn: Any, batch: list[Entry]) -> list[str]:
    if not batch:
        return []
    stored = {row.id: row for row in conn.execute(
        select(events.c.id, events.c.org_id, events.c.record_time_us, events.c.body,
               events.c.namespaces).where(events.c.id.in_([e.event_pk for e in batch])))}
    wrong = []
    for entry in batch:
        row = stored.get(entry.event_pk)
        if row is None:
            wrong.append(f"leaf {entry.index}: event {entry.event_pk} ({entry.hash_id}) was "
                         "deleted")
            continue
        found = event_hash_id(orjson.loads(row.body), orjson.loads(row.namespaces))
        if (found, row.org_id, row.record_time_us) != (entry.hash_id, entry.org_id,
                                                       entry.record_time_us):
            wrong.append(f"leaf {entry.index}: event {entry.event_pk} was changed (logged "
                         f"{entry.hash_id}, organization {entry.org_id}, recorded "
                         f"{entry.record_time_us}; now {found}, {row.org_id}, "
                         f"{row.record_time_us})")
    return wrong


# -- the export --------------------------------------------------------------------------------

def export_lines(engine: Engine, origin: str, keys: dict[str, Ed25519PublicKey]) -> Iterator[str]:
    with engine.connect() as conn:
        yield json.dumps({"format": EXPORT_FORMAT, "origin": origin,
                          "keys": {kid: public_text(key) for kid, key in keys.items()}})
        for head in heads(conn):
            yield json.dumps({"head": head.as_dict()})
        for entry in entries(conn):
            yield json.dumps({"leaf": entry.as_dict()})


def check_export(lines: Iterable[str],
                 trusted: dict[str, Ed25519PublicKey] | None = None) -> list[str]:
    """Verify an export; its own keys are used unless ``trusted`` keys are given (the safe
    way: keys from the log's operator, not from the file under test)."""
    stream = iter(lines)
    try:
        header = json.loads(next(stream))
    except (StopIteration, ValueError):
        return ["not an agritrace log export: no header line"]
    if header.get("format") != EXPORT_FORMAT:
        return [f"not an {EXPORT_FORMAT} export: format {header.get('format')!r}"]
    keys = trusted if trusted is not None else {
        kid: parse_public(text) for kid, text in header.get("keys", {}).items()}
    wrong = [f"key {kid} is not the key its ID names" for kid, key in keys.items()
             if key_id(key) != kid]
    signed: list[Head] = []
    first: list[Entry] = []
    for line in stream:
        item = json.loads(line)
        if "head" in item:
            signed.append(Head.from_dict(item["head"]))
            continue
        first.append(_entry(item["leaf"]))
        break
    leaves = _chain(first, (_entry(json.loads(line)["leaf"]) for line in stream))
    return wrong + check_leaves(leaves, signed, keys)


def _chain(first: list[Entry], rest: Iterator[Entry]) -> Iterator[Entry]:
    yield from first
    yield from rest
