"""Path and query parameters have documented bounds, and a value past them answers 422 before any route runs.

The test walks every operation of every service, as a caller the operation admits: each string path and query
parameter documents its `maxLength` in OpenAPI, a value one character longer answers a 422 problem naming the
parameter, and a value of exactly the bound is not refused for its length. The request guard
(`shared.limits`) refuses past the common bounds before any route runs; a parameter with a tighter bound of its
own is refused by the route's validation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from shared.auth import CallerKind
from shared.limits import MAX_PATH_SEGMENT, MAX_QUERY_PARAMS, MAX_QUERY_VALUE
from tests.conftest import AppStarter
from tests.harness import Tokens, producer, serve

SERVICES = ("eligibility", "payments", "asylum", "testimony", "registry")


def _strings(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [part for part in [schema, *schema.get("anyOf", [])] if part.get("type") == "string"]


def _fill(template: str, parameters: list[dict[str, Any]], name: str, value: str) -> str:
    path = template
    for parameter in parameters:
        if parameter["in"] == "path":
            filler = value if parameter["name"] == name else ("1" if _is_integer(parameter) else "x")
            path = path.replace("{" + parameter["name"] + "}", filler)
    return path


def _is_integer(parameter: dict[str, Any]) -> bool:
    return bool(parameter.get("schema", {}).get("type") == "integer")


def _refused_for(response: httpx.Response, parameter: dict[str, Any]) -> bool:
    """Whether the answer is a 422 problem that names this parameter (or, for a path, its segment)."""
    if response.status_code != 422 or response.headers["content-type"] != "application/problem+json":
        return False
    names = [p["name"] for p in response.json().get("invalid_params", [])]
    own = f"{parameter['in']}.{parameter['name']}"
    guard = "path segment" if parameter["in"] == "path" else own
    return any(name == own or name.startswith(guard) for name in names)


def _admitted(operation: dict[str, Any], tokens: Tokens, var_dir: Path, service: str) -> dict[str, str]:
    """Headers of a caller the operation admits: its first caller kind, with the scopes it requires."""
    kinds = operation.get("x-caller-kinds") or []
    scopes = list(operation.get("x-required-scopes", []))
    if not kinds or operation.get("x-public"):
        return {}
    kind = CallerKind(kinds[0])
    if kind is CallerKind.service:
        return {"Authorization": f"Bearer {producer(var_dir, 'eligibility').issue_token(service, scopes or ['none'])}"}
    org = {CallerKind.partner: "DE", CallerKind.ngo: "NGO1", CallerKind.auditor: "AUD1"}.get(kind, "OPS")
    token = tokens.mint(org, kind, *scopes, mandates=("DE",) if kind is CallerKind.auditor else ())
    return {"Authorization": f"Bearer {token}"}


async def test_every_path_and_query_parameter_is_bounded_and_refused_past_its_bound(
    starter: AppStarter, tokens: Tokens, var_dir: Path
) -> None:
    undocumented: list[str] = []
    not_refused: list[str] = []
    refused_within: list[str] = []
    checked = 0
    for service in SERVICES:
        app, _ = starter.create(service)
        document = app.openapi()
        async with serve(app) as client:
            for template, operations in document["paths"].items():
                for method, operation in operations.items():
                    parameters = [p for p in operation.get("parameters", []) if p["in"] in {"path", "query"}]
                    for parameter in parameters:
                        strings = _strings(parameter.get("schema", {}))
                        if not strings or any("enum" in s or "format" in s for s in strings):
                            continue
                        where = f"{service} {method.upper()} {template} {parameter['in']} {parameter['name']}"
                        if any("maxLength" not in s for s in strings):
                            undocumented.append(where)
                            continue
                        bound = min(s["maxLength"] for s in strings)
                        headers = _admitted(operation, tokens, var_dir, service)
                        checked += 1
                        for length in (bound + 1, bound):
                            value = "a" * length
                            if parameter["in"] == "path":
                                url, params = _fill(template, parameters, parameter["name"], value), {}
                            else:
                                url, params = _fill(template, parameters, "", ""), {parameter["name"]: value}
                            response = await client.request(method, url, params=params, headers=headers)
                            if length > bound and not _refused_for(response, parameter):
                                not_refused.append(f"{where}: {response.status_code}")
                            if length == bound and _refused_for(response, parameter):
                                refused_within.append(where)
    print(f"\nparameter bounds: {checked} string parameters checked past and at their bound")
    assert checked > 100
    assert undocumented == [], "\n".join(undocumented)
    assert not_refused == [], "\n".join(not_refused)
    assert refused_within == [], "\n".join(refused_within)


async def test_bounds_on_every_request_whatever_its_route(starter: AppStarter) -> None:
    app, _ = starter.create("payments")
    async with serve(app) as client:
        cases = {
            f"/v1/payouts/{'p' * (MAX_PATH_SEGMENT + 1)}": "path segment 3",
            f"/nowhere/{'x' * (MAX_PATH_SEGMENT + 1)}": "path segment 2",
            "/v1/payouts/p%0Aq": "path segment 3",
            f"/v1/payouts?after={'c' * (MAX_QUERY_VALUE + 1)}": "query.after",
            "/v1/payouts?after=%1B": "query.after",
            "/v1/payouts?" + "&".join(f"p{n}=1" for n in range(MAX_QUERY_PARAMS + 1)): "query",
        }
        for url, name in cases.items():
            response = await client.get(url)
            assert response.status_code == 422, url
            assert response.headers["content-type"] == "application/problem+json"
            assert [p["name"] for p in response.json()["invalid_params"]] == [name], url
