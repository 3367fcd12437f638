"""``agritrace org …`` and ``agritrace token …`` as an operator runs them, on both engines; and
no command creates an organization from a mistyped ``--org`` (issue 11, item 4)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.errors import SecurityException
from agritrace.store.engine import make_engine
from agritrace.store.grants import owner_name
from agritrace.store.orgs import authenticate, redeem_login_code
from agritrace.store.tables import organizations, tokens
from agritrace.trust import TokenRole
from tests.conformance import json_examples, needs_files

runner = CliRunner()
COOP = "HTX Cà phê Mường Ảng"
PACKER = "Công ty Đóng gói Tây Bắc"


@pytest.fixture
def db(database_url: str, environment: Callable[..., None]) -> Iterator[Engine]:
    environment(database_url=database_url, base_url="https://truyxuat.example.vn")
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(organizations)).scalar_one())


def test_organizations_are_created_granted_codes_and_delegate(db: Engine) -> None:
    _run("org", "create", COOP, "--gln", "8931234000004", "--kind", "cooperative")
    _run("org", "create", PACKER)
    listed = _run("org", "list")
    assert f"{COOP}\tcooperative\t8931234000004" in listed and PACKER in listed
    granted = _run("org", "grant-prefix", COOP, "8931234", "--by", "Sở NN&MT Điện Biên")
    assert "8931234" in granted and "Sở NN&MT Điện Biên" in granted
    _run("org", "grant-prefix", COOP, "08935555000019", "--kind", "gtin")
    assert owner_name(db, "https://id.gs1.org/01/08931234000356/21/X1") == COOP
    grants = _run("org", "grants", COOP).splitlines()
    assert [line.split("\t")[:4] for line in grants] == [
        [COOP, "prefix", "8931234", "Sở NN&MT Điện Biên"],
        [COOP, "gtin", "08935555000019", grants[1].split("\t")[3]]]
    assert grants[0].split("\t")[5] == "-"  # not revoked
    _run("org", "delegate", COOP, PACKER)
    _run("org", "undelegate", COOP, PACKER)
    _run("org", "revoke-grant", COOP, "8931234")
    assert owner_name(db, "https://id.gs1.org/01/08931234000356/21/X1") is None
    assert _run("org", "grants").splitlines()[0].split("\t")[5] != "-"  # kept, revoked
    twice = runner.invoke(app, ["org", "create", COOP])
    assert twice.exit_code == 2 and "đã có" in twice.stderr and "Traceback" not in twice.output


def test_a_grant_someone_else_holds_or_a_bad_prefix_is_refused(db: Engine) -> None:
    _run("org", "create", COOP)
    _run("org", "create", PACKER)
    _run("org", "grant-prefix", COOP, "8931234")
    taken = runner.invoke(app, ["org", "grant-prefix", PACKER, "8931234"])
    assert taken.exit_code == 2 and COOP in taken.stderr
    bad = runner.invoke(app, ["org", "grant-prefix", PACKER, "89A"])
    assert bad.exit_code == 2 and "4 to 12 digits" in bad.stderr
    kind = runner.invoke(app, ["org", "grant-prefix", PACKER, "8935555", "--kind", "sgtin"])
    assert kind.exit_code == 2 and "prefix, gtin, gln" in kind.stderr


def test_tokens_are_listed_without_their_secret_and_revoked_at_once(db: Engine) -> None:
    _run("org", "create", COOP)
    full = _run("token", "create", "--org", COOP, "--label", "ERP").strip()
    reader = _run("token", "create", "--org", COOP, "--role", "read").strip()
    assert authenticate(db, reader).role is TokenRole.READ
    listed = _run("token", "list", "--org", COOP)
    with db.connect() as conn:
        hashes = conn.execute(select(tokens.c.token_hash)).scalars().all()
    assert full not in listed and reader not in listed
    assert not any(h in listed for h in hashes)
    first = listed.splitlines()[0].split("\t")
    assert first[1:4] == [COOP, "organization", "ERP"] and first[5] == "-"
    _run("token", "revoke", first[0])
    with pytest.raises(SecurityException):
        authenticate(db, full)
    assert _run("token", "list").splitlines()[0].split("\t")[5] != "-"
    member = runner.invoke(app, ["token", "create", "--org", COOP, "--role", "member"])
    assert member.exit_code == 2 and "organization, read" in member.stderr


def test_a_sign_in_link_holds_a_one_time_code_not_the_token(db: Engine) -> None:
    _run("org", "create", COOP)
    link = _run("token", "create", "--org", COOP, "--link").strip()
    assert link.startswith("https://truyxuat.example.vn/login?code=") and "agt_" not in link


MISTYPED = "HTX Ca phe Muong Ang"


@needs_files
@pytest.mark.parametrize("args", [
    ["capture", "{example}", "--org", MISTYPED],
    ["token", "create", "--org", MISTYPED],
    ["stamps", "issue", "--org", MISTYPED, "--gtin", "08931234000356", "--count", "3",
     "--out", "{tmp}"],
    ["stamps", "void", "https://truyxuat.example.vn/01/08931234000356/21/X7K9", "--org",
     MISTYPED],
    ["farm", "member", "add", "Lò Văn A", "--org", MISTYPED],
    ["recall", "https://id.gs1.org/01/08931234000356/10/R1", "--mark", "--reason", "MRL",
     "--org", MISTYPED, "--out", "{tmp}"],
    ["org", "grant-prefix", MISTYPED, "8931234"],
], ids=lambda args: " ".join(args[:2]))
def test_a_mistyped_org_creates_nothing_and_names_the_closest(
        db: Engine, tmp_path: Path, args: list[str]) -> None:
    _run("org", "create", COOP)
    filled = [a.format(example=json_examples()[0], tmp=tmp_path) for a in args]
    result = runner.invoke(app, filled)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"No organization named '{MISTYPED}'" in result.stderr
    assert f"Did you mean: '{COOP}'" in result.stderr
    # Issue 15: Vietnamese first, the problem too (it was English only).
    assert f"Không có tổ chức nào tên '{MISTYPED}'. Có phải là: '{COOP}'?" in result.stderr
    assert "cần tên một tổ chức đã có" in result.stderr
    assert _count(db) == 1
    assert not list(tmp_path.glob("stamps-*"))  # nothing printed for someone else's GTIN


def test_a_new_members_sign_in_is_printed_as_a_one_time_link(db: Engine) -> None:
    _run("org", "create", COOP)
    link = _run("farm", "member", "add", "Lò Văn A", "--org", COOP, "--token").splitlines()[-1]
    assert "/login?code=" in link and "agt_" not in link
    session = redeem_login_code(db, link.rsplit("=", 1)[1])
    assert authenticate(db, session).role is TokenRole.MEMBER


#: Commands that took ``--org local`` when it was left out (an organization that no store had
#: unless someone created one by that name); now they take the store's only organization.
WITHOUT_ORG = [
    ["capture", "{example}"],
    ["events"],
    ["stamps", "void", "https://truyxuat.example.vn/01/08931234000356/21/X7K9"],
    ["stamps", "activate", "https://truyxuat.example.vn/01/08931234000356/21/X7K9"],
    ["recall", "https://id.gs1.org/01/08931234000356/10/R1", "--mark", "--reason", "MRL",
     "--out", "{tmp}/recall"],
    ["farm", "member", "add", "Lò Văn A"],
    ["farm", "member", "list"],
    ["farm", "profile", "--phone", "0912345678"],
    ["farm", "tickets"],
    ["farm", "readiness"],
    ["farm", "masterdata"],
]


def _filled(args: list[str], tmp_path: Path) -> list[str]:
    return [a.format(example=json_examples()[0], tmp=tmp_path) for a in args]


def _events(engine: Engine) -> int:
    from agritrace.store.tables import events

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


@needs_files
@pytest.mark.parametrize("args", WITHOUT_ORG, ids=lambda args: " ".join(args[:3]))
def test_without_org_a_command_never_guesses_between_organizations(
        db: Engine, tmp_path: Path, args: list[str]) -> None:
    """Two organizations and no ``--org``: the command says to choose and names them (it used to
    look for an organization called "local"), and writes nothing."""
    _run("org", "create", COOP)
    _run("org", "create", PACKER)
    result = runner.invoke(app, _filled(args, tmp_path))
    assert result.exit_code == 2 and "Traceback" not in result.output
    said = " ".join(result.stderr.split())
    assert "Say which organization with --org" in said and "Hãy ghi rõ --org" in said
    assert repr(COOP) in said and repr(PACKER) in said
    assert _count(db) == 2 and _events(db) == 0 and not (tmp_path / "recall").exists()


@needs_files
@pytest.mark.parametrize("args", [WITHOUT_ORG[0], WITHOUT_ORG[5]], ids=["capture", "member"])
def test_without_org_and_without_organizations_a_command_says_to_create_one(
        db: Engine, tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, _filled(args, tmp_path))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "agritrace org create NAME" in " ".join(result.stderr.split())
    assert _count(db) == 0  # no "local" organization made on the way


@needs_files
def test_without_org_the_store_s_only_organization_acts(db: Engine) -> None:
    _run("org", "create", COOP)
    captured = _run("capture", str(json_examples()[0]))
    assert "0 rejected" in captured and _events(db) > 0
    listed = json.loads(_run("events"))["epcisBody"]["queryResults"]["resultsBody"]
    assert len(listed["eventList"]) == _events(db)
    _run("farm", "member", "add", "Lò Văn A")
    assert "Lò Văn A" in _run("farm", "member", "list", "--org", COOP)
    assert _count(db) == 1


def test_every_org_option_names_an_existing_organization_or_is_a_filter() -> None:
    """No command's ``--org`` defaults to an organization's name: it is asked for, or left out
    for the store's only organization (or, on commands that list, for every organization)."""
    import typer.main

    def walk(command: Any, path: str) -> Iterator[tuple[str, Any]]:  # typer's own click
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")
        for param in command.params:
            if "--org" in getattr(param, "opts", ()):
                yield path, param

    found = list(walk(typer.main.get_command(app), "agritrace"))
    assert len(found) > 20  # the walk reaches the sub-commands
    named = [f"{path}: {param.default!r}" for path, param in found
             if not param.required and param.default not in (None, ())]
    assert not named, f"--org defaults naming an organization: {named}"
