"""The verifiable log over HTTP: signed heads and proofs, public (docs/ledger.md).

- ``GET /log/head``: the newest signed tree head (the stable URL a witness or a cron polls),
  with the witnesses' cosignatures of it and the whole as a C2SP checkpoint (signed note)
- ``POST /log/witness/add-checkpoint``: C2SP tlog-witness: a log this instance watches as a
  witness (AGRITRACE_LEDGER_WATCHED_LOGS) pushes its checkpoint and gets the cosignature
- ``POST /log/cosignatures``: a witness sends its cosignature of a head; kept when the witness is
  one this log accepts (AGRITRACE_LEDGER_WITNESSES) and the signature verifies
- ``GET /log/heads?size=``: the signed heads (of one size, when given; else the newest 1,000)
- ``GET /log/keys``: the public keys heads are signed with, current and retired, by key ID
- ``GET /log/proof/inclusion?event={hash ID}&size=``: the leaf of that event and its audit path
  to the signed head of ``size`` leaves (the newest head when omitted)
- ``GET /log/proof/consistency?from=&to=``: that the head of ``to`` leaves extends ``from``'s

No token is needed: a proof is made of hashes. An inclusion proof answers for the event whose
hash ID the caller already holds: its own leaf (hash ID, organization id, capture id, record
time) and the hashes of subtrees, from which no other leaf can be read back. When several
organizations hold the event, a caller with a token gets its own copy's proof, others the first
recording's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from agritrace.errors import AgritraceError, NoSuchResourceException, Problem
from agritrace.ledger import store, tlog_witness, witness
from agritrace.ledger.heads import (
    Head,
    origin_of,
    public_text,
    trusted_keys,
    witness_identity,
)
from agritrace.settings import Settings
from agritrace.web.api.deps import bearer_token, caller_for, engine_of, settings_of

router = APIRouter(tags=["Verifiable log"])

Size = Annotated[int | None, Query(ge=0, le=2**62, description="A published head's tree size")]
# Heads change at each publish; a minute of caching spares the database a polling crowd.
_CACHE = {"Cache-Control": "public, max-age=60"}


def _json(body: Any) -> JSONResponse:
    return JSONResponse(body, headers=_CACHE)


@router.get("/log/head")
async def get_head(engine: Annotated[Engine, Depends(engine_of)],
                   settings: Annotated[Settings, Depends(settings_of)]) -> JSONResponse:
    """The newest signed tree head, the cosignature lines witnesses sent for it, and the head
    as a C2SP checkpoint: its text, the log's signature and the cosignatures (signed note)."""
    def read() -> dict[str, object]:
        with engine.connect() as conn:
            return witness.served(conn, store.latest_head(conn), trusted_keys(settings))
    return _json(await run_in_threadpool(read))


@router.post("/log/witness/add-checkpoint", response_class=PlainTextResponse)
async def add_checkpoint(request: Request, engine: Annotated[Engine, Depends(engine_of)],
                         settings: Annotated[Settings, Depends(settings_of)]) -> Response:
    """C2SP tlog-witness: a watched log's checkpoint with a consistency proof from the size
    this witness last cosigned; the answer is the cosignature line. 409 with that size
    (text/x.tlog.size) when the old size is not it; no token: the log's signature is checked."""
    body = (await request.body())[:tlog_witness.MAX_BODY + 1].decode("utf-8", "replace")

    def cosign() -> str:
        return tlog_witness.add_checkpoint(
            engine, body, tlog_witness.parse_watched(settings.ledger_watched_logs),
            lambda: witness_identity(settings))
    try:
        line = await run_in_threadpool(cosign)
    except tlog_witness.SizeConflict as exc:
        # the type exactly as tlog-witness names it (a media_type would gain a charset)
        return Response(f"{exc.size}\n", status_code=409,
                        headers={"Content-Type": "text/x.tlog.size"})
    return PlainTextResponse(line)


class CosignatureIn(BaseModel):
    head: dict[str, Any] = Field(description="The head cosigned, as GET /log/head gives it")
    cosignature: str = Field(max_length=400, description="The witness's note signature line "
                             "(C2SP tlog-cosignature, Ed25519)")


@router.post("/log/cosignatures", status_code=201)
async def post_cosignature(engine: Annotated[Engine, Depends(engine_of)],
                           settings: Annotated[Settings, Depends(settings_of)],
                           sent: CosignatureIn) -> JSONResponse:
    """Keep a witness's cosignature of one of this log's heads. No token: the signature is the
    credential, checked against the witnesses this log accepts (403 for any other)."""
    def keep() -> dict[str, object]:
        head = Head.from_dict(sent.head)
        found = witness.check_cosignature(head, sent.cosignature,
                                          witness.parse_vkeys(settings.ledger_witnesses))
        with engine.begin() as conn:
            witness.store_cosignature(conn, head, found)
        return {"witness": found.witness, "tree_size": head.tree_size}
    return JSONResponse(await run_in_threadpool(keep), status_code=201)


@router.get("/log/heads")
async def get_heads(engine: Annotated[Engine, Depends(engine_of)],
                    size: Size = None) -> JSONResponse:
    """The signed heads, oldest first (the newest 1,000 without ``size``)."""
    def read() -> list[dict[str, object]]:
        with engine.connect() as conn:
            found = store.heads(conn, size)
        return [head.as_dict() for head in found[-1000:]]
    return _json({"heads": await run_in_threadpool(read)})


@router.get("/log/keys")
async def get_keys(settings: Annotated[Settings, Depends(settings_of)]) -> JSONResponse:
    """The Ed25519 public keys (raw, base64) that sign heads, by key ID, and the same keys as
    signed-note verifier keys (origin+KEYID+base64(0x01 || key)), for a C2SP witness."""
    keys = trusted_keys(settings)
    origin = origin_of(settings)
    return _json({"keys": {kid: public_text(key) for kid, key in keys.items()},
                  "vkeys": [witness.log_vkey(origin, key) for key in keys.values()]})


def _own_org(request: Request, engine: Engine) -> int | None:
    """The organization of a live bearer token, if one is sent: its own copy of an event is
    the one proved. Anything else (no token, a revoked one) gets the public answer."""
    if "authorization" not in request.headers:
        return None
    try:
        return caller_for(engine, bearer_token(request)).org.id
    except AgritraceError:
        return None


@router.get("/log/proof/inclusion")
async def get_inclusion(
    request: Request,
    engine: Annotated[Engine, Depends(engine_of)],
    settings: Annotated[Settings, Depends(settings_of)],
    event: Annotated[str, Query(max_length=100, description="The event's CBV 2.0 hash ID")],
    size: Size = None,
) -> JSONResponse:
    """The event's leaf and its audit path to a signed head: the caller's own copy with a
    token, else the event's first recording."""
    def read() -> dict[str, object]:
        own = _own_org(request, engine)
        with engine.connect() as conn:
            head = store.latest_head(conn, size)
            entry = store.entry_of(conn, event, own)
            if entry.index >= head.tree_size:
                raise NoSuchResourceException(
                    f"The event was logged after the head of size {head.tree_size}", [Problem(
                        "size", f"a head of more than {entry.index} leaves",
                        str(head.tree_size))])
            path = store.inclusion(conn, entry.index, head.tree_size)
            served = witness.served(conn, head, trusted_keys(settings))
        return {"head": served, "inclusion": {
            "leaf": entry.as_dict(), "tree_size": head.tree_size,
            "path": [store.b64(node) for node in path]}}
    return _json(await run_in_threadpool(read))


@router.get("/log/proof/consistency")
async def get_consistency(
    engine: Annotated[Engine, Depends(engine_of)],
    settings: Annotated[Settings, Depends(settings_of)],
    old: Annotated[int, Query(alias="from", ge=0, le=2**62, description="The older size")],
    new: Annotated[int | None, Query(alias="to", ge=0, le=2**62,
                                     description="The newer size (the newest head's)")] = None,
) -> JSONResponse:
    """That the newer head's tree starts with the older head's."""
    def read() -> dict[str, object]:
        with engine.connect() as conn:
            newer = store.latest_head(conn, new)
            older = store.latest_head(conn, old)
            if older.tree_size > newer.tree_size:
                raise NoSuchResourceException("No consistency proof backwards", [Problem(
                    "from", f"at most {newer.tree_size}", str(old))])
            proof = store.consistency(conn, older.tree_size, newer.tree_size)
            keys = trusted_keys(settings)
            served = [witness.served(conn, head, keys) for head in (older, newer)]
        return {"from": served[0], "to": served[1],
                "consistency": [store.b64(node) for node in proof]}
    return _json(await run_in_threadpool(read))
