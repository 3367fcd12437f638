"""Docs that are checked: every setting and every command is documented."""

from __future__ import annotations

import typer.main

from agritrace.cli import app
from agritrace.settings import Settings
from tests.conformance import REPO


def test_every_setting_is_documented() -> None:
    text = (REPO / "docs" / "operations.md").read_text()
    missing = [name for name in Settings.model_fields
               if f"AGRITRACE_{name.upper()}" not in text]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    group = typer.main.get_group(app)
    missing = [name for name in group.commands if f"agritrace {name}" not in readme]
    assert missing == []
