"""/openapi.json describes what the EPCIS API does: schemathesis, with every check, finds no
answer the description does not allow (request bodies, status codes, media types, schemas)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from sqlalchemy import Engine

from tests.helpers import make_api

MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def test_the_epcis_api_answers_as_described(engine: Engine) -> None:
    """Every EPCIS operation, 15 requests the description allows and 15 it forbids (where it
    forbids any: a free string path parameter has no wrong value), derandomized (a fixed seed),
    with schemathesis's default checks, which are all of them; every finding is listed."""
    api = make_api(engine)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app).include(
        tag="EPCIS 2.0")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in MODES:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=api.auth)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing of this operation is outside its description
            except Exception as finding:  # every finding of every operation is listed
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): "
                                f"{finding}"[:1500])
    assert not failures, "\n\n".join(failures)
