"""``agritrace org …`` and ``agritrace token …``: the operator's commands.

Organizations are created here on purpose, never by a typo in another command's ``--org``
(:func:`agritrace.store.orgs.find_organization` suggests the closest names instead). The codes an
organization holds are granted here, recorded with who granted them and when; owners name their
delegates. Tokens are created with a role, listed without their secret, and revoked at once.
Messages are in Vietnamese, then English.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from sqlalchemy import Engine

from agritrace.console import err, fail, migrated_engine, out
from agritrace.errors import AgritraceError, Problem, ValidationException
from agritrace.trust import TokenRole

if TYPE_CHECKING:
    from agritrace.store.orgs import Organization

org_app = typer.Typer(help="Organizations and the GS1 codes they hold.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens bound to an organization.", no_args_is_help=True)

KINDS = ("enterprise", "cooperative", "regulator")
OrgArg = Annotated[str, typer.Argument(help="An existing organization's exact name")]
KindOption = Annotated[str, typer.Option("--kind", help="prefix, gtin or gln")]
ByOption = Annotated[str, typer.Option("--by", help="Who grants (recorded); default: you")]


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "operator"


@contextmanager
def _engine() -> Iterator[Engine]:
    """A migrated engine; errors we raise on purpose become one readable line, exit 2."""
    engine = migrated_engine()
    try:
        yield engine
    except (AgritraceError, ValueError) as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()


def _when(micros: int | None) -> str:
    if micros is None:
        return "-"
    return datetime.fromtimestamp(micros / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationException(f"{name}: không hợp lệ / not valid", [Problem(
            name, f"one of {', '.join(allowed)}", repr(value))])


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="The organization's name, e.g. 'HTX Mường Ảng'")],
    gln: Annotated[str | None, typer.Option("--gln", help="Its own GLN (13 digits)")] = None,
    kind: Annotated[str, typer.Option("--kind", help=", ".join(KINDS))] = "enterprise",
) -> None:
    """Create an organization (the only command that does)."""
    from agritrace.ids.gs1 import Gln
    from agritrace.store.orgs import create_organization

    with _engine() as engine:
        _choice("--kind", kind, KINDS)
        own = str(Gln.parse(gln, field="--gln")) if gln else None
        org = create_organization(engine, name, gln=own, kind=kind)
    out.print(f"[green]đã tạo tổ chức / organization created[/green]: {escape(org.name)} "
              f"(id {org.id}, {org.kind}{', GLN ' + own if own else ''})", highlight=False)


@org_app.command("list")
def org_list() -> None:
    """List the organizations: id, name, kind, own GLN."""
    from agritrace.store.orgs import list_organizations

    with _engine() as engine:
        for org in list_organizations(engine):
            print(f"{org.id}\t{org.name}\t{org.kind}\t{org.gln or '-'}")


@org_app.command("grant-prefix")
def org_grant(
    org: OrgArg,
    value: Annotated[str, typer.Argument(help="A GS1 company prefix, a GTIN or a GLN")],
    kind: KindOption = "prefix",
    by: ByOption = "",
) -> None:
    """Grant an organization a GS1 company prefix (or one GTIN or GLN): it then owns the codes."""
    from agritrace.store.grants import KINDS as GRANT_KINDS
    from agritrace.store.grants import grant
    from agritrace.store.orgs import find_organization

    with _engine() as engine:
        _choice("--kind", kind, GRANT_KINDS)
        done = grant(engine, find_organization(engine, org), kind, value, by or _operator())
    out.print(f"[green]đã cấp / granted[/green] {done.kind} {done.value} → {escape(done.org)} "
              f"(bởi / by {escape(done.granted_by)}, {_when(done.granted_us)})",
              highlight=False)


@org_app.command("revoke-grant")
def org_revoke_grant(org: OrgArg, value: Annotated[str, typer.Argument(
        help="The granted prefix, GTIN or GLN")],
                     kind: KindOption = "prefix") -> None:
    """Take a granted prefix, GTIN or GLN back (the record of the grant is kept)."""
    from agritrace.store.grants import revoke_grant
    from agritrace.store.orgs import find_organization

    with _engine() as engine:
        revoke_grant(engine, find_organization(engine, org), kind, value)
    out.print(f"đã thu hồi / revoked: {kind} {value} ({escape(org)})", highlight=False)


@org_app.command("delegate")
def org_delegate(
    owner: OrgArg,
    to: Annotated[str, typer.Argument(help="The delegate, e.g. a contract packer")],
    by: ByOption = "",
) -> None:
    """Let another organization speak for every code the owner holds, until undelegated."""
    from agritrace.store.grants import delegate
    from agritrace.store.orgs import find_organization

    with _engine() as engine:
        delegate(engine, find_organization(engine, owner), find_organization(engine, to),
                 by or _operator())
    out.print(f"[green]đã ủy quyền / delegated[/green]: {escape(owner)} → {escape(to)}",
              highlight=False)


@org_app.command("undelegate")
def org_undelegate(owner: OrgArg, to: Annotated[str, typer.Argument(
        help="The delegate named before")]) -> None:
    """End a delegation."""
    from agritrace.store.grants import revoke_delegation
    from agritrace.store.orgs import find_organization

    with _engine() as engine:
        revoke_delegation(engine, find_organization(engine, owner),
                          find_organization(engine, to))
    out.print(f"đã thôi ủy quyền / delegation ended: {escape(owner)} → {escape(to)}",
              highlight=False)


@org_app.command("grants")
def org_grants(org: Annotated[str | None, typer.Argument(help="One organization")] = None
               ) -> None:
    """List the grants (organization, kind, code, granted by, granted, revoked)."""
    from agritrace.store.grants import grants_of
    from agritrace.store.orgs import find_organization

    with _engine() as engine:
        chosen = find_organization(engine, org) if org is not None else None
        for g in grants_of(engine, chosen):
            print(f"{g.org}\t{g.kind}\t{g.value}\t{g.granted_by}\t{_when(g.granted_us)}\t"
                  f"{_when(g.revoked_us)}")


@token_app.command("create")
def token_create(
    org: Annotated[str, typer.Option("--org", help="An existing organization's exact name")],
    role: Annotated[str, typer.Option(
        "--role", help="organization (the whole API) or read (reading only)")] = "organization",
    label: Annotated[str, typer.Option(help="What the token is for")] = "",
    link: Annotated[bool, typer.Option(
        "--link", help="Print a one-time sign-in link for the pages instead of the token")]
    = False,
) -> None:
    """Create a bearer token for an organization; it is printed once and only a hash is kept."""
    from agritrace.store.orgs import find_organization

    with _engine() as engine:
        _choice("--role", role, (TokenRole.ORGANIZATION.value, TokenRole.READ.value))
        organization = find_organization(engine, org)
        print_new_token(engine, organization, label, TokenRole(role), link=link,
                        whose=(f"mã truy cập ({role}) của", f"token ({role}) for"))


def print_new_token(engine: Engine, organization: Organization, label: str, role: TokenRole,
                    *, link: bool, whose: tuple[str, str]) -> None:
    """Create a token and print it once (or a one-time sign-in link instead): the secret goes
    to stdout alone, so a script can capture it; the words around it go to stderr."""
    from agritrace.settings import get_settings
    from agritrace.store.orgs import create_token, sign_in_link

    token = create_token(engine, organization, label, role)
    name = f"[bold]{escape(organization.name)}[/bold]"
    if link:
        made = sign_in_link(engine, get_settings().base_url, token)
        err.print(f"đường dẫn đăng nhập một lần của / one-time sign-in link for {name} "
                  f"(hết hạn / expires {made.expires}):", highlight=False)
        print(made.url)
        return
    err.print(f"{whose[0]} / {whose[1]} {name} — chỉ hiện một lần, hãy giữ kỹ / "
              "shown once, keep it safe:", highlight=False)
    print(token)


@token_app.command("list")
def token_list(org: Annotated[str | None, typer.Option(
        "--org", help="Only this organization's tokens")] = None) -> None:
    """List tokens: id, organization, role, label, created, revoked (never the token)."""
    from agritrace.store.orgs import find_organization, list_tokens

    with _engine() as engine:
        chosen = find_organization(engine, org) if org is not None else None
        for t in list_tokens(engine, chosen):
            print(f"{t.id}\t{t.org}\t{t.role}\t{t.label or '-'}\t{_when(t.created_us)}\t"
                  f"{_when(t.revoked_us)}")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(
        metavar="ID", help="The token's id, from 'agritrace token list'")]) -> None:
    """Revoke a token: the API and the pages refuse it from the next request."""
    from agritrace.store.orgs import revoke_token

    with _engine() as engine:
        info = revoke_token(engine, token_id)
    out.print(f"đã thu hồi mã truy cập / token revoked: {info.id} ({escape(info.org)}, "
              f"{info.role}, {escape(info.label) or '-'})", highlight=False)
