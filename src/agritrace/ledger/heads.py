"""Signed tree heads: the text a head's Ed25519 signature covers, signing, and checking.

The signed text is a checkpoint in the spirit of C2SP tlog-checkpoint, four lines, each ending
in a newline::

    127.0.0.1:8000/log              the log's origin
    1024                            tree size
    3q2+7w...=                      root hash, standard base64
    1764930000000                   timestamp, milliseconds since the Unix epoch (UTC)

A key is named by its key ID: the first 8 bytes of SHA-256(raw 32-byte public key), in hex.
Keys rotate: the current private key signs new heads; the public keys of retired ones stay in
the key history (settings), so older heads still verify.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from agritrace.errors import AgritraceError, Problem, ValidationException
from agritrace.settings import Settings


class SigningKeyMissing(AgritraceError):
    status = 503
    title = "The log's signing key is not configured"


@dataclass(frozen=True)
class Head:
    origin: str
    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    key_id: str = ""
    signature: bytes = b""

    def text(self) -> bytes:
        root = base64.b64encode(self.root_hash).decode()
        return f"{self.origin}\n{self.tree_size}\n{root}\n{self.timestamp_ms}\n".encode()

    def as_dict(self) -> dict[str, object]:
        return {"origin": self.origin, "tree_size": self.tree_size,
                "root_hash": base64.b64encode(self.root_hash).decode(),
                "timestamp": self.timestamp_ms, "key_id": self.key_id,
                "signature": base64.b64encode(self.signature).decode()}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Head:
        try:
            return cls(str(data["origin"]), int(str(data["tree_size"])),
                       base64.b64decode(str(data["root_hash"]), validate=True),
                       int(str(data["timestamp"])), str(data["key_id"]),
                       base64.b64decode(str(data["signature"]), validate=True))
        except (KeyError, ValueError) as exc:
            raise ValidationException("Not a signed tree head", [Problem(
                "head", "origin, tree_size, root_hash, timestamp, key_id and signature",
                str(exc))]) from exc


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_text(public: Ed25519PublicKey) -> str:
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def parse_public(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except ValueError as exc:
        raise ValidationException("Not an Ed25519 public key", [Problem(
            "key", "32 bytes in standard base64", repr(text[:60]))]) from exc


def new_private_text() -> str:
    """A fresh signing key as settings hold it: the 32-byte seed in standard base64."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                     NoEncryption())
    return base64.b64encode(raw).decode()


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    if not settings.ledger_signing_key:
        raise SigningKeyMissing("No signing key: set AGRITRACE_LEDGER_SIGNING_KEY "
                                "(agritrace log keygen prints one)")
    try:
        return Ed25519PrivateKey.from_private_bytes(
            base64.b64decode(settings.ledger_signing_key, validate=True))
    except ValueError as exc:
        raise SigningKeyMissing("AGRITRACE_LEDGER_SIGNING_KEY is not a 32-byte Ed25519 seed "
                                "in base64") from exc


def trusted_keys(settings: Settings) -> dict[str, Ed25519PublicKey]:
    """The current key and every retired one, by key ID."""
    keys = [parse_public(text) for text in settings.ledger_key_history.split(",") if text.strip()]
    if settings.ledger_signing_key:
        keys.append(signing_key(settings).public_key())
    return {key_id(key): key for key in keys}


def origin_of(settings: Settings) -> str:
    parts = urlsplit(settings.base_url)
    return f"{parts.netloc}{parts.path.rstrip('/')}/log"


def witness_identity(settings: Settings) -> tuple[str, Ed25519PrivateKey]:
    """This instance's name and key as a witness of other logs."""
    parts = urlsplit(settings.base_url)
    name = settings.ledger_witness_name or f"{parts.netloc}{parts.path.rstrip('/')}/witness"
    if not settings.ledger_witness_key:
        raise SigningKeyMissing("No witness key: set AGRITRACE_LEDGER_WITNESS_KEY "
                                "(agritrace log keygen prints one)")
    try:
        return name, Ed25519PrivateKey.from_private_bytes(
            base64.b64decode(settings.ledger_witness_key, validate=True))
    except ValueError as exc:
        raise SigningKeyMissing("AGRITRACE_LEDGER_WITNESS_KEY is not a 32-byte Ed25519 seed "
                                "in base64") from exc


def sign(head: Head, key: Ed25519PrivateKey) -> Head:
    return Head(head.origin, head.tree_size, head.root_hash, head.timestamp_ms,
                key_id(key.public_key()), key.sign(head.text()))


def check_signature(head: Head, keys: dict[str, Ed25519PublicKey]) -> str | None:
    """None when a trusted key signed ``head``; else what is wrong."""
    key = keys.get(head.key_id)
    if key is None:
        return f"signed by key {head.key_id}, which is not a trusted key"
    try:
        key.verify(head.signature, head.text())
    except InvalidSignature:
        return f"the signature by key {head.key_id} does not match the head"
    return None
