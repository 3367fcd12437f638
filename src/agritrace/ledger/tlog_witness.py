"""This instance as a witness that logs push to: C2SP tlog-witness ``add-checkpoint``.

``agritrace log witness`` pulls another agritrace's head; here any transparency log speaking the
C2SP protocol (another agritrace, a Sigsum or Go checksum-database style log) sends its new
checkpoint with a consistency proof from the size this witness last cosigned, and gets the
cosignature back. The state is the same table as the pulling witness's (``ledger_witnessed``,
one row per log origin), so a log may be watched either way.

The request body (text): ``old N``, the proof's hashes one per line (base64), an empty line,
then the checkpoint as a signed note. The answers (tlog-witness): 200 with the cosignature line;
404 for a log this witness does not watch; 403 when no signature by the log's key verifies; 400
for an old size above the checkpoint's or a malformed body; 409 with the size cosigned (content
type ``text/x.tlog.size``) when the old size is not it, or 409 when the same size shows another
root; 422 when the proof does not verify.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import Engine

from agritrace.errors import (
    AgritraceError,
    ConflictException,
    ForbiddenException,
    NoSuchResourceException,
    Problem,
    ValidationException,
)
from agritrace.ledger import merkle
from agritrace.ledger.witness import (
    DASH,
    NOTE_ED25519,
    cosign,
    note_key_id,
    record,
    seen,
    split_vkey,
)

MAX_BODY = 64 * 1024
MAX_PROOF = 63  # hashes; tlog-witness: a client MUST NOT send more


@dataclass(frozen=True)
class WatchedLog:
    origin: str
    public: Ed25519PublicKey


def parse_watched(text: str) -> list[WatchedLog]:
    """The logs this witness watches: their verifier keys (origin+KEYID+base64(0x01 || key)),
    comma-separated."""
    return [WatchedLog(*split_vkey(item, NOTE_ED25519, "log"))
            for item in text.split(",") if item.strip()]


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP checkpoint: its note text (origin, size, root, extension lines) and signatures."""

    origin: str
    tree_size: int
    root_hash: bytes
    note_text: bytes
    signatures: tuple[str, ...]
    timestamp_ms: int = 0  # extension lines are the log's own; none is read

    def text(self) -> bytes:
        return self.note_text


class SizeConflict(ConflictException):
    """The old size is not the size this witness cosigned: the answer is that size."""

    def __init__(self, detail: str, size: int) -> None:
        super().__init__(detail)
        self.size = size


class ProofFails(AgritraceError):
    status = 422
    title = "The consistency proof does not verify"


def _malformed(what: str, found: str) -> ValidationException:
    return ValidationException("Not a tlog-witness add-checkpoint request", [Problem(
        "body", what, repr(found[:120]))])


def parse_request(body: str) -> tuple[int, list[bytes], Checkpoint]:
    """The old size, the proof and the checkpoint of an add-checkpoint body."""
    if "\r" in body or len(body) > MAX_BODY:
        raise _malformed(f"lines ending in a newline, at most {MAX_BODY} bytes", body[:40])
    head, sep, note = body.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old ") or not lines[0][4:].isdigit() or \
            (lines[0][4:] != "0" and lines[0][4].startswith("0")):
        raise _malformed("'old N', the proof's lines, an empty line, then a checkpoint", head)
    if len(lines) - 1 > MAX_PROOF:
        raise _malformed(f"at most {MAX_PROOF} proof lines", f"{len(lines) - 1} lines")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except ValueError as exc:
        raise _malformed("a base64 hash per proof line", head) from exc
    return int(lines[0][4:]), proof, parse_checkpoint(note)


def parse_checkpoint(note: str) -> Checkpoint:
    text, sep, signed = note.rpartition("\n\n")
    body = text.split("\n")
    if not sep or len(body) < 3 or not body[1].isdigit() or not all(body):
        raise _malformed("a checkpoint: origin, size, root hash, a blank line, signatures",
                         note)
    try:
        root = base64.b64decode(body[2], validate=True)
    except ValueError:
        root = b""
    if len(root) != merkle.HASH_SIZE:
        raise _malformed("a 32-byte root hash in base64 on the third line", body[2])
    lines = tuple(line for line in signed.split("\n") if line)
    return Checkpoint(body[0], int(body[1]), root, (text + "\n").encode(), lines)


def _check_log_signature(checkpoint: Checkpoint, logs: list[WatchedLog]) -> None:
    """Some signature line by the key of a watched log of this origin verifies (others, such
    as other witnesses' cosignatures, are ignored)."""
    keys = [log for log in logs if log.origin == checkpoint.origin]
    if not keys:
        raise NoSuchResourceException(f"This witness does not watch the log {checkpoint.origin}",
                                      [Problem("origin", "a log in AGRITRACE_LEDGER_WATCHED_LOGS",
                                               checkpoint.origin)])
    for line in checkpoint.signatures:
        dash, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except ValueError:
            continue
        for log in keys:
            if dash != DASH or name != log.origin or \
                    blob[:4] != note_key_id(log.origin, NOTE_ED25519, log.public):
                continue
            try:
                log.public.verify(blob[4:], checkpoint.note_text)
                return
            except InvalidSignature:
                continue
    raise ForbiddenException(f"No signature by {checkpoint.origin}'s key verifies",
                             [Problem("signature", f"a valid signature line by {checkpoint.origin}",
                                      f"{len(checkpoint.signatures)} signature line(s)")])


def add_checkpoint(engine: Engine, body: str, logs: list[WatchedLog],
                   identity: Callable[[], tuple[str, Ed25519PrivateKey]]) -> str:
    """Check a pushed checkpoint against the state kept for its log; the cosignature line.
    ``identity`` (this witness's name and key) is asked for only to cosign."""
    old, proof, checkpoint = parse_request(body)
    _check_log_signature(checkpoint, logs)
    if old > checkpoint.tree_size:
        raise ValidationException("The old size is above the checkpoint's", [Problem(
            "old", f"at most {checkpoint.tree_size}", str(old))])
    with engine.connect() as conn:
        before = seen(conn, checkpoint.origin)
    cosigned = before.tree_size if before else 0
    if old != cosigned:
        raise SizeConflict(f"This witness cosigned {cosigned} leaves of {checkpoint.origin}, "
                           f"not {old}", cosigned)
    if before is not None and old == checkpoint.tree_size:
        if before.root_hash != checkpoint.root_hash:
            raise ConflictException(f"split view: {checkpoint.origin} shows another root of "
                                    f"{old} leaves than the one this witness cosigned")
    elif not merkle.verify_consistency(old, checkpoint.tree_size,
                                       before.root_hash if before else merkle.EMPTY_ROOT,
                                       checkpoint.root_hash, proof):
        raise ProofFails(f"The proof does not show that the {checkpoint.tree_size} leaves of "
                         f"{checkpoint.origin} extend the {old} this witness cosigned")
    now_s = int(time.time())
    record(engine, checkpoint, before, now_s)
    name, key = identity()
    return cosign(checkpoint, name, key, now_s) + "\n"
