"""This instance as a C2SP tlog-witness (issue 18): a watched log pushes its checkpoint with a
consistency proof from the size last cosigned (POST /log/witness/add-checkpoint) and gets a
cosignature; each refusal has the status the specification gives it."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.ledger import store, witness
from agritrace.ledger.heads import Head, new_private_text, sign, signing_key
from agritrace.settings import Settings
from agritrace.store.orgs import create_organization
from agritrace.web.app import create_app
from tests.ledger.test_log import capture

ORIGIN = "son-la.example.vn/log"
WITNESS = "dien-bien.example.vn/witness"


def _note(head: Head, key: Any) -> str:
    return witness.checkpoint(head, key.public_key(), [])


def _body(old: int, proof: list[bytes], note: str) -> str:
    return f"old {old}\n" + "".join(base64.b64encode(p).decode() + "\n" for p in proof) + \
        "\n" + note


def test_a_watched_log_pushes_checkpoints_and_gets_cosignatures(engine: Engine) -> None:
    log_key = signing_key(Settings(ledger_signing_key=new_private_text()))
    seed = new_private_text()
    cosigner = witness.Cosigner(WITNESS, signing_key(Settings(ledger_signing_key=seed))
                                .public_key())
    client = TestClient(create_app(Settings(
        ledger_witness_key=seed, ledger_witness_name=WITNESS,
        ledger_watched_logs=witness.log_vkey(ORIGIN, log_key.public_key())), engine))

    def push(body: str) -> Any:
        return client.post("/log/witness/add-checkpoint", content=body.encode())

    org = create_organization(engine, "HTX Sơn La")
    capture(engine, org, range(3))
    three = store.publish(engine, ORIGIN, log_key).head
    capture(engine, org, range(3, 7))
    seven = store.publish(engine, ORIGIN, log_key).head
    with engine.connect() as conn:
        proof = store.consistency(conn, 3, 7)

    first = push(_body(0, [], _note(three, log_key)))
    assert first.status_code == 200, first.text
    assert witness.check_cosignature(three, first.text, [cosigner]).witness == WITNESS
    behind = push(_body(0, [], _note(seven, log_key)))  # the client did not know size 3
    assert (behind.status_code, behind.text) == (409, "3\n")
    assert behind.headers["content-type"] == "text/x.tlog.size"
    assert push(_body(3, proof[1:], _note(seven, log_key))).status_code == 422
    grown = push(_body(3, proof, _note(seven, log_key)))
    assert grown.status_code == 200, grown.text
    witness.check_cosignature(seven, grown.text, [cosigner])

    # a fork at the size cosigned, a stranger's key, an unknown log, a size going backwards
    fork = sign(Head(ORIGIN, 7, b"\x01" * 32, seven.timestamp_ms), log_key)
    refused = push(_body(7, [], _note(fork, log_key)))
    assert refused.status_code == 409 and "split view" in refused.json()["detail"]
    stranger = signing_key(Settings(ledger_signing_key=new_private_text()))
    assert push(_body(7, [], _note(sign(seven, stranger), stranger))).status_code == 403
    other = sign(Head("ha-giang.example.vn/log", 7, seven.root_hash, 1), log_key)
    assert push(_body(0, [], _note(other, log_key))).status_code == 404
    assert push(_body(9, [], _note(seven, log_key))).status_code == 400
    assert push("old 7\nnot base64!\n\n" + _note(seven, log_key)).status_code == 400
    # the log's key as a C2SP verifier key, from GET /log/keys of a log
    keys = TestClient(create_app(Settings(ledger_signing_key=base64.b64encode(
        log_key.private_bytes_raw()).decode(), base_url="https://son-la.example.vn"),
        engine)).get("/log/keys").json()
    assert keys["vkeys"] == [witness.log_vkey(ORIGIN, log_key.public_key())]
