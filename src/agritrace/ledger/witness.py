"""Witnesses: another instance checks this log's heads and cosigns them (C2SP tlog-cosignature).

A witness keeps, per log it watches (by the head's origin), the size and root it last cosigned.
It fetches the log's newest signed head, checks the log's signature with a key it was given,
and cosigns the head only if it extends what it saw before: a consistency proof from the old
size (asked of the log's API) must verify. A head that does not (a smaller tree, another root
at the same size, a proof that fails) is a split view: the log shows one history to this
witness and another to someone else, and it is refused. Two provinces each witnessing the
other's log means neither operator can rewrite its history without the other noticing.

The formats are C2SP's (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature v1, Ed25519):

- the signed message is ``cosignature/v1\\n`` ``time T\\n`` then the head's note text (its four
  lines: origin, size, root, timestamp; the timestamp is a checkpoint extension line);
- the note signature line is ``— NAME base64(key ID || u64 T || Ed25519 signature)``, key ID the
  first 4 bytes of SHA-256(NAME || 0x0A || 0x04 || public key);
- a witness is named to a log by its verifier key ``NAME+KEYID+base64(0x04 || public key)``.

The log's own signature, written as a signed-note line (type 0x01 key ID over the origin), makes
:func:`checkpoint` a C2SP checkpoint that any signed-note library verifies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from agritrace.errors import (
    AgritraceError,
    ConflictException,
    ForbiddenException,
    NoSuchResourceException,
    Problem,
    ValidationException,
)
from agritrace.ledger import merkle
from agritrace.ledger.heads import Head, check_signature
from agritrace.ledger.tables import ledger_cosignatures, ledger_heads, ledger_witnessed

NOTE_ED25519 = 0x01
COSIGNATURE_ED25519 = 0x04
DASH = "\u2014"
TIMEOUT_S = 10.0


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def note_key_id(name: str, kind: int, public: Ed25519PublicKey) -> bytes:
    """signed-note's key ID: SHA-256(name || 0x0A || type || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + _raw(public)).digest()[:4]


@dataclass(frozen=True)
class Cosigner:
    """A witness as a log knows it: its name and Ed25519 public key."""

    name: str
    public: Ed25519PublicKey

    @property
    def key_id(self) -> bytes:
        return note_key_id(self.name, COSIGNATURE_ED25519, self.public)

    def vkey(self) -> str:
        material = base64.b64encode(bytes([COSIGNATURE_ED25519]) + _raw(self.public)).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"


def split_vkey(text: str, kind: int, what: str) -> tuple[str, Ed25519PublicKey]:
    """The name and key of a signed-note verifier key ``NAME+KEYID+base64(type || key)`` of
    signature type ``kind`` (0x01 a log's Ed25519 key, 0x04 a witness's)."""
    name, _, rest = text.strip().partition("+")
    kid, _, material = rest.partition("+")
    try:
        raw = base64.b64decode(material, validate=True)
        if len(raw) != 33 or raw[0] != kind or not name:
            raise ValueError(f"not a name and an Ed25519 key of type 0x{kind:02x}")
        public = Ed25519PublicKey.from_public_bytes(raw[1:])
        if note_key_id(name, kind, public).hex() != kid.lower():
            raise ValueError(f"key ID {kid} is not the key's "
                             f"({note_key_id(name, kind, public).hex()})")
    except ValueError as exc:
        raise ValidationException(f"Not {what}'s verifier key", [Problem(
            what, f"NAME+KEYID+base64(0x{kind:02x} || Ed25519 public key)",
            f"{text[:80]!r}: {exc}")]) from exc
    return name, public


def log_vkey(origin: str, public: Ed25519PublicKey) -> str:
    """A log's key as a signed-note verifier key (Ed25519, type 0x01, named by its origin)."""
    material = base64.b64encode(bytes([NOTE_ED25519]) + _raw(public)).decode()
    return f"{origin}+{note_key_id(origin, NOTE_ED25519, public).hex()}+{material}"


def parse_vkey(text: str) -> Cosigner:
    """A witness's verifier key, ``NAME+KEYID+base64(0x04 || 32-byte public key)``."""
    return Cosigner(*split_vkey(text, COSIGNATURE_ED25519, "witness"))


def parse_vkeys(text: str) -> list[Cosigner]:
    return [parse_vkey(item) for item in text.split(",") if item.strip()]


class Signed(Protocol):
    """A checkpoint a witness cosigns: one of this platform's heads, or another log's."""

    @property
    def origin(self) -> str: ...
    @property
    def tree_size(self) -> int: ...
    @property
    def root_hash(self) -> bytes: ...
    @property
    def timestamp_ms(self) -> int: ...
    def text(self) -> bytes: ...


def message(head: Signed, timestamp_s: int) -> bytes:
    """What a cosignature signs (tlog-cosignature, Ed25519): header, time, the head's text."""
    return b"cosignature/v1\ntime %d\n" % timestamp_s + head.text()


def cosign(head: Signed, name: str, key: Ed25519PrivateKey, timestamp_s: int) -> str:
    """The note signature line of a cosignature of ``head`` (no trailing newline)."""
    kid = note_key_id(name, COSIGNATURE_ED25519, key.public_key())
    signature = key.sign(message(head, timestamp_s))
    blob = kid + struct.pack(">Q", timestamp_s) + signature
    return f"{DASH} {name} {base64.b64encode(blob).decode()}"


@dataclass(frozen=True)
class Cosignature:
    witness: str
    key_id: bytes
    timestamp_s: int
    signature: bytes

    def line(self) -> str:
        blob = self.key_id + struct.pack(">Q", self.timestamp_s) + self.signature
        return f"{DASH} {self.witness} {base64.b64encode(blob).decode()}"


def check_cosignature(head: Head, line: str, cosigners: list[Cosigner]) -> Cosignature:
    """The cosignature in ``line`` if a known witness made it over ``head``; else refused."""
    dash, _, rest = line.strip().partition(" ")
    name, _, encoded = rest.partition(" ")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except ValueError:
        blob = b""
    if dash != DASH or len(blob) != 4 + 8 + 64:
        raise ValidationException("Not a cosignature line", [Problem(
            "cosignature", "— NAME base64(key ID, 8-byte time, 64-byte Ed25519 signature)",
            repr(line[:120]))])
    found = Cosignature(name, blob[:4], struct.unpack(">Q", blob[4:12])[0], blob[12:])
    known = [c for c in cosigners if (c.name, c.key_id) == (name, found.key_id)]
    if not known:
        raise ForbiddenException(f"{name} (key {found.key_id.hex()}) is not a witness this "
                                 "log accepts", [Problem(
                                     "cosignature", "a witness named in AGRITRACE_LEDGER_WITNESSES",
                                     f"{name}+{found.key_id.hex()}")])
    try:
        known[0].public.verify(found.signature, message(head, found.timestamp_s))
    except InvalidSignature as exc:
        raise ValidationException("The cosignature does not match the head", [Problem(
            "cosignature", f"{name}'s signature over the head of size {head.tree_size}",
            "a signature that does not verify")]) from exc
    return found


def checkpoint(head: Head, log_public: Ed25519PublicKey, cosignatures: list[Cosignature]) -> str:
    """The head as a C2SP checkpoint (signed note): its text, a blank line, the log's signature
    and every cosignature, each a line."""
    kid = note_key_id(head.origin, NOTE_ED25519, log_public)
    lines = [f"{DASH} {head.origin} {base64.b64encode(kid + head.signature).decode()}"]
    lines.extend(c.line() for c in cosignatures)
    return head.text().decode() + "\n" + "".join(line + "\n" for line in lines)


# -- the log's side: the cosignatures it received ----------------------------------------------

def _head_id(conn: Connection, head: Head) -> int | None:
    return conn.scalar(select(ledger_heads.c.id).where(
        ledger_heads.c.origin == head.origin, ledger_heads.c.tree_size == head.tree_size,
        ledger_heads.c.timestamp_ms == head.timestamp_ms,
        ledger_heads.c.root_hash == head.root_hash).limit(1))


def store_cosignature(conn: Connection, head: Head, found: Cosignature) -> None:
    """Keep a checked cosignature with its head, replacing that witness's older one of it."""
    head_id = _head_id(conn, head)
    if head_id is None:
        raise NoSuchResourceException(f"This log signed no head of size {head.tree_size} at "
                                      f"{head.timestamp_ms}", [Problem(
                                          "head", "a head this log published",
                                          f"size {head.tree_size}, time {head.timestamp_ms}")])
    key = (ledger_cosignatures.c.head_id == head_id,
           ledger_cosignatures.c.witness == found.witness,
           ledger_cosignatures.c.key_id == found.key_id.hex())
    conn.execute(delete(ledger_cosignatures).where(*key))
    conn.execute(insert(ledger_cosignatures).values(
        head_id=head_id, witness=found.witness, key_id=found.key_id.hex(),
        timestamp_s=found.timestamp_s, signature=found.signature))


def cosignatures_of(conn: Connection, head: Head) -> list[Cosignature]:
    head_id = _head_id(conn, head)
    rows = conn.execute(select(ledger_cosignatures).where(
        ledger_cosignatures.c.head_id == head_id).order_by(ledger_cosignatures.c.witness))
    return [Cosignature(r.witness, bytes.fromhex(r.key_id), r.timestamp_s, bytes(r.signature))
            for r in rows]


def served(conn: Connection, head: Head, log_keys: dict[str, Ed25519PublicKey]
           ) -> dict[str, object]:
    """``head`` as the log serves it: its fields, the cosignature lines witnesses sent for it,
    and all of it as a C2SP checkpoint (when the key that signed it is known)."""
    cosigned = cosignatures_of(conn, head)
    body = head.as_dict()
    body["cosignatures"] = [c.line() for c in cosigned]
    log_key = log_keys.get(head.key_id)
    if log_key is not None:
        body["checkpoint"] = checkpoint(head, log_key, cosigned)
    return body


def check_cosigned(head: dict[str, Any], witnesses: list[Cosigner]) -> list[str]:
    """What is wrong with the cosignatures of a served head: each of ``witnesses`` must have
    cosigned it (a reader's quorum is every witness it names)."""
    signed = Head.from_dict(head)
    lines = [str(line) for line in head.get("cosignatures", [])]
    wrong = []
    for cosigner in witnesses:
        mine = [line for line in lines if line.split(" ")[1:2] == [cosigner.name]]
        problems = []
        for line in mine:
            try:
                check_cosignature(signed, line, [cosigner])
                break
            except AgritraceError as exc:
                problems.append(exc.detail)
        else:
            wrong.append(f"head of size {signed.tree_size}: " + (
                f"{cosigner.name}'s cosignature does not verify ({problems[0]})" if problems
                else f"no cosignature by the witness {cosigner.name}"))
    return wrong


# -- the witness's side ------------------------------------------------------------------------

class SplitView(ConflictException):
    title = "The log's head does not extend the one this witness cosigned before"


@dataclass(frozen=True)
class Seen:
    tree_size: int
    root_hash: bytes
    head_timestamp_ms: int


@dataclass(frozen=True)
class Witnessed:
    head: Head
    previous: Seen | None
    cosignature: str
    published: str | None  # why the log did not take the cosignature, if it did not


def _fetch(url: str, body: dict[str, Any] | None = None) -> Any:
    """GET (or POST ``body`` as JSON) and read the JSON answer; the log's problem+json answers
    become errors naming its detail."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={
        "Accept": "application/json", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:300]
        raise LogUnreachable(f"{url} answered {exc.code}: {detail}", exc.code) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise LogUnreachable(f"{url}: {exc}") from exc


class LogUnreachable(AgritraceError):
    status = 502
    title = "The watched log could not be read"

    def __init__(self, detail: str, answered: int | None = None) -> None:
        super().__init__(detail)
        self.answered = answered  # the log's HTTP status, when it answered


def seen(conn: Connection, origin: str) -> Seen | None:
    row = conn.execute(select(ledger_witnessed).where(ledger_witnessed.c.origin == origin)).first()
    return None if row is None else Seen(row.tree_size, bytes(row.root_hash),
                                         row.head_timestamp_ms)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def check_extends(head: Signed, before: Seen | None, proof: list[bytes] | None) -> None:
    """Refuse ``head`` (SplitView) unless it extends what was cosigned ``before``."""
    if before is None:
        return
    was = f"{before.tree_size} leaves (root {_b64(before.root_hash)})"
    if head.tree_size < before.tree_size:
        raise SplitView(f"split view or rollback: {head.origin} now shows {head.tree_size} "
                        f"leaves; this witness already cosigned {was}. Refused, nothing "
                        "cosigned")
    if head.tree_size == before.tree_size and head.root_hash != before.root_hash:
        raise SplitView(f"split view: {head.origin} shows two different trees of "
                        f"{head.tree_size} leaves: root {_b64(head.root_hash)} now, "
                        f"{_b64(before.root_hash)} cosigned before. Refused, nothing cosigned")
    if head.tree_size > before.tree_size and not merkle.verify_consistency(
            before.tree_size, head.tree_size, before.root_hash, head.root_hash, proof or []):
        raise SplitView(f"split view: the tree of {head.tree_size} leaves (root "
                        f"{_b64(head.root_hash)}) of {head.origin} does not extend the tree of "
                        f"{was} this witness cosigned before: the consistency proof does not "
                        "verify. Refused, nothing cosigned")


def _consistency(url: str, before: Seen | None, head: Head) -> list[bytes] | None:
    """The log's proof that ``head`` extends the size seen before (None when none is needed)."""
    if before is None or before.tree_size in (0, head.tree_size) or \
            before.tree_size > head.tree_size:
        return None
    query = urllib.parse.urlencode({"from": before.tree_size, "to": head.tree_size})
    try:
        answer = _fetch(f"{url}/log/proof/consistency?{query}")
    except LogUnreachable as exc:
        if exc.answered != 404:
            raise
        # an honest log keeps every head it signed: one that lost the cosigned size rewrote it
        raise SplitView(f"split view: {head.origin} has no head of {before.tree_size} leaves "
                        "any more, the size this witness cosigned (root "
                        f"{_b64(before.root_hash)}), so it cannot prove it extends it. Refused, "
                        "nothing cosigned") from exc
    return [base64.b64decode(node, validate=True) for node in answer["consistency"]]


def record(engine: Engine, head: Signed, before: Seen | None, now_s: int) -> None:
    """Move the state from ``before`` to ``head`` atomically: a concurrent run that moved it
    first makes this one fail rather than roll the state back (tlog-witness's race)."""
    values = {"tree_size": head.tree_size, "root_hash": head.root_hash,
              "head_timestamp_ms": head.timestamp_ms, "cosigned_s": now_s}
    with engine.begin() as conn:
        if before is None:
            try:
                conn.execute(insert(ledger_witnessed).values(origin=head.origin, **values))
            except IntegrityError as exc:
                raise ConflictException("Another witness run recorded this log first; run "
                                        "again") from exc
            return
        moved = conn.execute(update(ledger_witnessed).where(
            ledger_witnessed.c.origin == head.origin,
            ledger_witnessed.c.tree_size == before.tree_size,
            ledger_witnessed.c.root_hash == before.root_hash).values(**values)).rowcount
        if moved != 1:
            raise ConflictException("Another witness run moved this log's state meanwhile; run "
                                    "again")


def witness(engine: Engine, url: str, log_keys: dict[str, Ed25519PublicKey], name: str,
            key: Ed25519PrivateKey) -> Witnessed:
    """Fetch the newest head of the log at ``url``, check it, cosign it, send it back."""
    url = url.rstrip("/")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValidationException("Not a log's address", [Problem(
            "url", "the other instance's base URL, http:// or https://", repr(url[:100]))])
    head = Head.from_dict(_fetch(f"{url}/log/head"))
    wrong = check_signature(head, log_keys)
    if wrong:
        raise ForbiddenException(f"the head of {head.origin} (size {head.tree_size}) is not "
                                 f"the log's: {wrong}. Refused, nothing cosigned")
    with engine.connect() as conn:
        before = seen(conn, head.origin)
    check_extends(head, before, _consistency(url, before, head))
    now_s = int(time.time())
    record(engine, head, before, now_s)
    line = cosign(head, name, key, now_s)
    try:
        _fetch(f"{url}/log/cosignatures", {"head": head.as_dict(), "cosignature": line})
        published = None
    except LogUnreachable as exc:
        published = exc.detail
    return Witnessed(head, before, line, published)
