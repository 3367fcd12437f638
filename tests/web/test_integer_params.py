"""Every integer path or query parameter of every route refuses a number past 64 bits with a
problem+json 400 or 404, never a 500 (an OverflowError in the driver, before)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine

from tests.helpers import make_api

_HUGE = (2**63, 2**64 + 5, -(2**63) - 1)


def _integer_params(schema: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(method, path, parameter, where) for every integer parameter the app declares."""
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for param in operation.get("parameters", []):
                if '"integer"' in repr(param.get("schema")).replace("'", '"'):
                    found.append((method, path, param["name"], param["in"]))
    return found


def test_integers_past_64_bits_are_refused_not_a_500(engine: Engine) -> None:
    api = make_api(engine, "HTX Cà phê Ẳng Nưa")
    params = _integer_params(api.client.app.openapi())  # type: ignore[attr-defined]
    assert ("get", "/farm/places/{place_id}", "place_id", "path") in params
    assert ("get", "/farm/history", "record_id", "query") in params
    for method, path, name, where in params:
        for huge in _HUGE:
            url = re.sub(r"\{[^}]+\}", "1", path.replace(f"{{{name}}}", str(huge)))
            query = {name: str(huge)} if where == "query" else {}
            body: dict[str, Any] | None = {} if method in ("post", "patch", "put") else None
            answer = api.client.request(method.upper(), url, params=query, json=body,
                                        headers=api.auth)
            assert answer.status_code in (400, 404), (method, url, query, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
