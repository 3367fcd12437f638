"""The organization's public profile: checked fields, managers only, history, API and CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.errors import ForbiddenException, ValidationException
from agritrace.farm.profiles import get_profile, set_profile
from agritrace.farm.registry import add_member, history, org_actor
from agritrace.store.orgs import create_organization
from tests.helpers import make_api


def test_a_profile_is_set_field_by_field_with_its_history(engine: Engine) -> None:
    coop = create_organization(engine, "HTX Ẳng Nưa")
    manager = org_actor(coop, "Giàng A Páo")
    assert get_profile(engine, coop.id).address == ""
    set_profile(engine, manager, {"address": "Bản Co Muông, Ẳng Nưa", "phone": "0215 387 0123"})
    changed = set_profile(engine, manager, {"province": "Điện Biên"})
    assert (changed.address, changed.phone, changed.province) == (
        "Bản Co Muông, Ẳng Nưa", "02153870123", "Điện Biên")
    assert get_profile(engine, coop.id) == changed
    trail = history(engine, coop, "farm_profiles")
    assert [t["action"] for t in trail] == ["create", "update"]
    assert trail[1]["old"]["province"] == "" and trail[1]["new"]["province"] == "Điện Biên"
    set_profile(engine, manager, {"province": "Điện Biên"})  # no change, no history row
    assert len(history(engine, coop, "farm_profiles")) == 2


@pytest.mark.parametrize(("values", "path"), [
    ({"phone": "12"}, "profile.phone"),
    ({"email": "not an address"}, "profile.email"),
    ({"website": "rangxay.vn"}, "profile.website"),
    ({"address": "x" * 301}, "profile.address"),
    ({"fax": "0215"}, "profile.fax"),
])
def test_a_wrong_field_is_named_and_nothing_saved(engine: Engine, values: dict[str, str],
                                                  path: str) -> None:
    coop = create_organization(engine, "HTX Ẳng Nưa")
    with pytest.raises(ValidationException) as caught:
        set_profile(engine, org_actor(coop), {"address": "Ẳng Nưa", **values})
    assert [p.path for p in caught.value.problems] == [path]
    assert get_profile(engine, coop.id).address == ""


def test_only_a_manager_changes_the_profile(engine: Engine) -> None:
    coop = create_organization(engine, "HTX Ẳng Nưa")
    farmer = add_member(engine, org_actor(coop), name="Lò Văn A", role="farmer")
    with pytest.raises(ForbiddenException):
        set_profile(engine, farmer.actor(coop), {"address": "Ẳng Nưa"})


def test_the_api_reads_and_changes_only_its_own_profile(engine: Engine) -> None:
    api = make_api(engine)
    answer = api.client.patch("/farm/profile", json={"address": "Ẳng Nưa", "phone": "x"},
                              headers=api.auth)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    ok = api.client.patch("/farm/profile", json={"address": "Ẳng Nưa"}, headers=api.auth)
    assert ok.status_code == 200 and ok.json()["address"] == "Ẳng Nưa"
    assert api.client.get("/farm/profile", headers=api.auth).json()["address"] == "Ẳng Nưa"
    assert api.client.get("/farm/profile").status_code == 401


@pytest.mark.usefixtures("cli_database")
def test_the_command_shows_and_changes_the_profile() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["org", "create", "HTX Ẳng Nưa"]).exit_code == 0
    changed = runner.invoke(app, ["farm", "profile", "--org", "HTX Ẳng Nưa",
                                  "--address", "Bản Co Muông", "--phone", "0215 387 0123"])
    assert changed.exit_code == 0, changed.output
    shown = runner.invoke(app, ["farm", "profile", "--org", "HTX Ẳng Nưa"])
    assert json.loads(shown.stdout)["phone"] == "02153870123"
    wrong = runner.invoke(app, ["farm", "profile", "--org", "HTX Ẳng Nưa", "--email", "no"])
    assert wrong.exit_code == 2 and "profile.email" in wrong.stderr
