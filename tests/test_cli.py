"""The ``agritrace`` command as a user runs it, against a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from agritrace.cli import app
from tests.conformance import HASH_EXAMPLES, ids, json_examples, needs_files

runner = CliRunner()
VECTORS = sorted(p for p in HASH_EXAMPLES.glob("*.jsonld") if p.with_suffix(".hashes").exists())
VECTORS += sorted(p for p in HASH_EXAMPLES.glob("*.xml") if p.with_suffix(".hashes").exists())
# These two declare a vendor ``repository-x:ignoreFields`` inside queryResults, which the codecs
# do not keep; the hash module itself is checked on them in tests/epcis/test_hashing.py.
QUERY_RESULTS_IGNORE = {"epcisQueryDocHavingEventWithIgnoreFields.jsonld",
                        "epcisXmlQueryDocHavingEventWithIgnoreFields.xml"}
VECTORS = [p for p in VECTORS if p.name not in QUERY_RESULTS_IGNORE]


pytestmark = pytest.mark.usefixtures("cli_database")


@needs_files
@pytest.mark.parametrize("path", VECTORS, ids=ids(VECTORS))
def test_hash_prints_the_reference_hash_of_each_event(path: Path) -> None:
    result = runner.invoke(app, ["hash", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == path.with_suffix(".hashes").read_text().split()


@needs_files
def test_capture_then_query_and_a_second_capture_is_all_duplicates() -> None:
    example = json_examples()[0]
    assert runner.invoke(app, ["org", "create", "HTX Mường Ảng"]).exit_code == 0
    first = runner.invoke(app, ["capture", str(example), "--org", "HTX Mường Ảng"])
    assert first.exit_code == 0, first.output
    assert "0 rejected" in first.stdout
    again = runner.invoke(app, ["capture", str(example), "--org", "HTX Mường Ảng"])
    assert again.exit_code == 0 and "0 captured" in again.stdout
    listed = runner.invoke(app, ["events", "--org", "HTX Mường Ảng", "-p", "perPage=100"])
    assert listed.exit_code == 0, listed.output
    body = orjson.loads(listed.stdout)
    assert body["type"] == "EPCISQueryDocument"
    assert body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


@needs_files
def test_capture_rejects_with_reasons_and_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonld"
    document = orjson.loads(json_examples()[0].read_bytes())
    document["epcisBody"]["eventList"][0]["eventTime"] = "01/05/2026"
    bad.write_bytes(orjson.dumps(document))
    runner.invoke(app, ["org", "create", "local"])
    result = runner.invoke(app, ["capture", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonld event 0" in result.stderr and "eventTime" in result.stderr
    assert "nothing stored" in result.stdout


def test_bad_query_parameter_is_a_readable_error_not_a_traceback() -> None:
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["org", "create", "local"])
    result = runner.invoke(app, ["events", "-p", "GE_eventTime=tomorrow"])
    assert result.exit_code == 2
    assert "GE_eventTime" in result.stderr and "Traceback" not in result.output


def test_token_is_printed_once_and_works() -> None:
    runner.invoke(app, ["org", "create", "Shan Tuyet Tea"])
    result = runner.invoke(app, ["token", "create", "--org", "Shan Tuyet Tea"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("agt_") and len(token) > 40
