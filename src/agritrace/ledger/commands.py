"""CLI of the verifiable log (docs/ledger.md):

- ``agritrace log publish``: append the settled events and sign a head (a cron runs it)
- ``agritrace log head``: the newest signed head, as JSON
- ``agritrace log prove HASH_ID [--size N] [--org NAME]``: an inclusion proof, as JSON
- ``agritrace log export --out FILE``: the whole log, JSON Lines
- ``agritrace log keygen``: a new signing key, for the settings
- ``agritrace log witness URL --key KEY``: as a witness, check another instance's newest head
  against what this one cosigned before, cosign it and send the cosignature back
- ``agritrace log verify`` and ``agritrace verify [FILE] [--key KEY]``: check this database,
  or offline a proof, a head or an export
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.markup import escape

from agritrace.console import err, fail, migrated_engine, out, output_file
from agritrace.errors import AgritraceError
from agritrace.ledger import store, verify, witness
from agritrace.ledger.heads import (
    key_id,
    new_private_text,
    origin_of,
    parse_public,
    public_text,
    signing_key,
    trusted_keys,
    witness_identity,
)
from agritrace.settings import get_settings
from agritrace.store.orgs import find_organization

log_app = typer.Typer(help="The verifiable log of every stored event: heads, proofs, export.",
                      no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log")
    app.command("verify")(verify_command)


def _print_json(data: object) -> None:
    out.print(json.dumps(data, indent=2, ensure_ascii=False), highlight=False, markup=False)


@log_app.command("publish")
def publish_command(
    wait: Annotated[float, typer.Option(help="Seconds to wait for open captures")] = 10.0,
) -> None:
    """Append every settled event to the log and sign its head (run it from cron)."""
    settings = get_settings()
    engine = migrated_engine()
    try:
        done = store.publish(engine, origin_of(settings), signing_key(settings), wait)
    except AgritraceError as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()
    if done.waiting:
        err.print(f"warning: {done.waiting}; the head signs what was logged before",
                  highlight=False, markup=False)
    err.print(f"{done.appended} event(s) appended", highlight=False)
    _print_json(done.head.as_dict())


@log_app.command("head")
def head_command() -> None:
    """Print the newest signed head."""
    engine = migrated_engine()
    try:
        with engine.connect() as conn:
            _print_json(witness.served(conn, store.latest_head(conn),
                                       trusted_keys(get_settings())))
    except AgritraceError as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()


@log_app.command("prove")
def prove_command(
    hash_id: Annotated[str, typer.Argument(help="The event's CBV 2.0 hash ID")],
    size: Annotated[int | None, typer.Option(help="A signed head's size (the newest)")] = None,
    org: Annotated[str | None, typer.Option(help="Prove this organization's copy")] = None,
) -> None:
    """Print an inclusion proof of an event ('agritrace verify FILE' checks it)."""
    engine = migrated_engine()
    try:
        owner = find_organization(engine, org).id if org else None
        with engine.connect() as conn:
            head = store.latest_head(conn, size)
            entry = store.entry_of(conn, hash_id, owner)
            if entry.index >= head.tree_size:
                raise AgritraceError(f"The event was logged after the head of size "
                                     f"{head.tree_size}: publish a newer head")
            path = store.inclusion(conn, entry.index, head.tree_size)
            served = witness.served(conn, head, trusted_keys(get_settings()))
    except AgritraceError as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()
    _print_json({"head": served, "inclusion": {
        "leaf": entry.as_dict(), "tree_size": head.tree_size,
        "path": [store.b64(node) for node in path]}})


@log_app.command("export")
def export_command(
    output: Annotated[Path, typer.Option("--out", help="The JSON Lines file to write")],
) -> None:
    """Write the whole log: keys, signed heads and every leaf (docs/ledger.md)."""
    settings = get_settings()
    engine = migrated_engine()
    try:
        with output_file(output).open("w", encoding="utf-8") as file:
            for line in verify.export_lines(engine, origin_of(settings), trusted_keys(settings)):
                file.write(line + "\n")
    except (AgritraceError, OSError) as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()
    err.print(f"wrote {output}", highlight=False)


@log_app.command("keygen")
def keygen_command() -> None:
    """Print a new signing key (AGRITRACE_LEDGER_SIGNING_KEY) and its public key. To rotate,
    add the old public key to AGRITRACE_LEDGER_KEY_HISTORY and set the new signing key."""
    from base64 import b64decode

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = new_private_text()
    public = Ed25519PrivateKey.from_private_bytes(b64decode(private)).public_key()
    out.print(f"AGRITRACE_LEDGER_SIGNING_KEY={private}", highlight=False)
    out.print(f"public key {public_text(public)} (key ID {key_id(public)})", highlight=False)


@log_app.command("witness")
def witness_command(
    url: Annotated[str, typer.Argument(help="The other instance's base URL")],
    key: Annotated[list[str], typer.Option(
        help="The watched log's public key (base64, GET URL/log/keys, taken from its operator "
             "once); repeat for retired keys")],
) -> None:
    """Witness another instance's log: fetch its newest head, check its signature and that it
    extends the head cosigned before (a consistency proof), cosign it (C2SP tlog-cosignature)
    and send the cosignature back. A split view is refused (exit 1)."""
    settings = get_settings()
    engine = migrated_engine()
    try:
        name, private = witness_identity(settings)
        log_keys = {key_id(k): k for k in (parse_public(text) for text in key)}
        done = witness.witness(engine, url, log_keys, name, private)
    except witness.SplitView as exc:
        err.print(f"[red]refused:[/red] {escape(exc.detail)}", highlight=False)
        raise typer.Exit(code=1) from exc
    except AgritraceError as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()
    before = (f"{done.previous.tree_size} leaves" if done.previous else "nothing (first head)")
    err.print(f"{done.head.origin}: {done.head.tree_size} leaves extend {before}; cosigned as "
              f"{witness.Cosigner(name, private.public_key()).vkey()}", highlight=False,
              markup=False)
    if done.published:
        err.print(f"warning: the log did not take the cosignature ({done.published}); its "
                  "operator adds the verifier key above to AGRITRACE_LEDGER_WITNESSES",
                  highlight=False, markup=False)
    out.print(done.cosignature, highlight=False, markup=False)


@log_app.command("verify")
def log_verify_command(
    file: Annotated[Path | None, typer.Argument(help="A proof, head or export")] = None,
    key: Annotated[list[str] | None, typer.Option(help="A trusted public key (base64)")] = None,
    witness_key: Annotated[list[str] | None, typer.Option(
        "--witness", help="A witness's verifier key that must have cosigned")] = None,
) -> None:
    """The same as 'agritrace verify'."""
    verify_command(file, key, witness_key)


def verify_command(
    file: Annotated[Path | None, typer.Argument(
        help="A proof or head (JSON) or an export (JSON Lines); none: this database")] = None,
    key: Annotated[list[str] | None, typer.Option(
        help="A trusted public key (base64); repeat for retired keys. Default: the settings' "
             "keys, or for an export without them, the keys it names")] = None,
    witness_key: Annotated[list[str] | None, typer.Option(
        "--witness", help="A witness's verifier key (NAME+KEYID+KEY): a proof's or head's "
                          "heads must carry its valid cosignature; repeat for each witness "
                          "required")] = None,
) -> None:
    """Check the log: this database's events against it, or offline a proof, a head's
    signature (and witnesses' cosignatures) or a whole exported log. Exits 1 naming what does
    not hold."""
    try:
        trusted = _keys(key)
        witnesses = [witness.parse_vkey(text) for text in witness_key or []]
        if witnesses and (file is None or _is_export(file)):
            raise AgritraceError("--witness checks the cosignatures of a head or a proof "
                                 "(GET /log/head, /log/proof/…), not an export or this database")
        wrong = _check_file(file, trusted, witnesses) if file else _check_here(trusted)
    except (AgritraceError, OSError, ValueError) as exc:
        raise fail(exc) from exc
    for problem in wrong:
        err.print(f"[red]not verified:[/red] {problem}", highlight=False, markup=True)
    if wrong:
        raise typer.Exit(code=1)
    out.print("verified", highlight=False)


def _keys(given: list[str] | None) -> dict[str, Ed25519PublicKey] | None:
    if given:
        keys = [parse_public(text) for text in given]
        return {key_id(k): k for k in keys}
    settings = get_settings()
    return trusted_keys(settings) or None


def _check_here(trusted: dict[str, Ed25519PublicKey] | None) -> list[str]:
    engine = migrated_engine()
    try:
        return verify.check_database(engine, trusted or {})
    finally:
        engine.dispose()


def _is_export(file: Path) -> bool:
    with file.open(encoding="utf-8") as lines:
        first = lines.readline()
    return '"format"' in first and verify.EXPORT_FORMAT in first


def _check_file(file: Path, trusted: dict[str, Ed25519PublicKey] | None,
                witnesses: list[witness.Cosigner]) -> list[str]:
    if _is_export(file):
        with file.open(encoding="utf-8") as lines:
            return verify.check_export((line for line in lines if line.strip()), trusted)
    with file.open(encoding="utf-8") as lines:
        proof = json.load(lines)
    if trusted is None:
        raise AgritraceError("No trusted key: pass --key (the log's public key, GET /log/keys)")
    return verify.check_proof(proof, trusted, witnesses)
