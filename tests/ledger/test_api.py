"""The log over HTTP: public heads and proofs a reader checks with nothing but the hashes."""

from __future__ import annotations

from base64 import b64decode
from typing import Any

from sqlalchemy import Engine, select

from agritrace.ledger import merkle, store, verify
from agritrace.ledger.heads import key_id, new_private_text, public_text, signing_key
from agritrace.ledger.tables import ledger_leaves
from agritrace.settings import Settings
from agritrace.store.orgs import create_organization, create_token
from tests.helpers import make_api
from tests.ledger.test_log import ORIGIN, capture


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_heads_and_proofs_are_public_and_verify(engine: Engine) -> None:
    seed = new_private_text()
    key = signing_key(Settings(ledger_signing_key=seed))
    keys = {key_id(key.public_key()): key.public_key()}
    api = make_api(engine, "HTX Ẳng Nưa", ledger_signing_key=seed)
    client = api.client
    _problem(client.get("/log/head"), 404)
    other = create_organization(engine, "Rang Xay")
    capture(engine, api.org, range(4))
    store.publish(engine, ORIGIN, key)
    capture(engine, other, range(100, 103))
    store.publish(engine, ORIGIN, key)

    head = client.get("/log/head")
    assert head.status_code == 200 and head.json()["tree_size"] == 7
    assert verify.check_proof(head.json(), keys) == []
    assert client.get("/log/keys").json()["keys"] == {
        kid: public_text(k) for kid, k in keys.items()}
    assert [h["tree_size"] for h in client.get("/log/heads").json()["heads"]] == [4, 7]
    assert [h["tree_size"] for h in client.get("/log/heads?size=4").json()["heads"]] == [4]

    with engine.connect() as conn:
        hash_id = conn.scalar(select(ledger_leaves.c.hash_id).where(
            ledger_leaves.c.leaf_index == 2))
    proof = client.get("/log/proof/inclusion", params={"event": hash_id, "size": 4}).json()
    assert verify.check_proof(proof, keys) == []
    assert proof["inclusion"]["leaf"]["org"] == api.org.id
    # the answer names the asked event's leaf only: the rest is 32-byte subtree hashes
    with engine.connect() as conn:
        others = set(conn.scalars(select(ledger_leaves.c.hash_id))) - {hash_id}
    answer = client.get("/log/proof/inclusion", params={"event": hash_id}).text
    assert not [other for other in others if other in answer]
    assert all(len(b64decode(node)) == 32 for node in proof["inclusion"]["path"])
    newest = client.get("/log/proof/inclusion", params={"event": hash_id}).json()
    assert newest["head"]["tree_size"] == 7 and verify.check_proof(newest, keys) == []
    consistent = client.get("/log/proof/consistency", params={"from": 4, "to": 7}).json()
    assert verify.check_proof(consistent, keys) == []
    assert merkle.verify_consistency(4, 7, *(
        b64decode(consistent[k]["root_hash"]) for k in ("from", "to")),
        [b64decode(p) for p in consistent["consistency"]])

    # the same event held by a second organization: its token gets its own copy's proof,
    # the first holder's token and anyone without one the first recording's
    capture(engine, other, range(2, 3))
    store.publish(engine, ORIGIN, key)
    with engine.connect() as conn:
        shared = conn.scalar(select(ledger_leaves.c.hash_id).where(
            ledger_leaves.c.leaf_index == 7))
    first = client.get("/log/proof/inclusion", params={"event": shared}).json()
    token = create_token(engine, other, "tests")
    own = client.get("/log/proof/inclusion", params={"event": shared},
                     headers={"Authorization": f"Bearer {token}"}).json()
    mine = api.get(f"/log/proof/inclusion?event={shared}").json()
    assert [p["inclusion"]["leaf"]["index"] for p in (first, own, mine)] == [2, 7, 2]
    assert verify.check_proof(own, keys) == []

    missing = _problem(client.get("/log/proof/inclusion", params={
        "event": "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"}), 404)
    assert missing["errors"][0]["path"] == "event"
    with engine.connect() as conn:
        late = conn.scalar(select(ledger_leaves.c.hash_id).where(
            ledger_leaves.c.leaf_index == 5))
    too_early = _problem(client.get("/log/proof/inclusion", params={"event": late, "size": 4}),
                         404)
    assert too_early["errors"][0]["path"] == "size"
    _problem(client.get("/log/proof/consistency", params={"from": 7, "to": 4}), 404)
    _problem(client.get("/log/heads", params={"size": -1}), 400)
    _problem(client.get("/log/proof/consistency", params={"from": 5}), 404)
