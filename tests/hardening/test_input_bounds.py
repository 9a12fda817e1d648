"""Every input has a documented bound: strings, lists and integers in bodies, integer parameters, whole bodies.

Strings in paths and query strings are bounded by the HTTP server's limit on a request line (uvicorn refuses
request heads over 64 KiB); the ones that reach a database are ids compared for equality.
"""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import AppStarter
from tests.eligibility.api.helpers import applicant_body, as_officer
from tests.harness import Harness, Tokens

SERVICES = ("eligibility", "payments", "asylum", "testimony")
# Bounded otherwise than by a length in the schema, and why.
BOUNDED_OTHERWISE = {
    "payments POST /v1/payouts body.fx.rate": "a decimal of at most 24 digits (`max_digits`), checked on parsing",
}


def _bounded_pattern(pattern: str | None) -> bool:
    return (
        pattern is not None
        and pattern.startswith("^")
        and pattern.endswith("$")
        and not re.search(r"[*+]|\{\d+,\}", pattern)
    )


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _unbounded(schema: dict[str, Any], components: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Every place in a request schema where a string, list or integer has no upper bound."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        return _unbounded(components[name], components, where, seen | {name})
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            found += _unbounded(part, components, where, seen)
    kind = schema.get("type")
    if kind == "string" and not (
        "maxLength" in schema
        or "enum" in schema
        or "const" in schema
        or schema.get("format") in {"date", "date-time"}
        or _bounded_pattern(schema.get("pattern"))
    ):
        found.append(f"{where}: string without maxLength")
    if kind == "integer" and "maximum" not in schema and "exclusiveMaximum" not in schema:
        found.append(f"{where}: integer without maximum")
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: array without maxItems")
        found += _unbounded(schema.get("items", {}), components, f"{where}[]", seen)
    for field, sub in schema.get("properties", {}).items():
        found += _unbounded(sub, components, f"{where}.{field}", seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        if "maxProperties" not in schema:
            found.append(f"{where}: object without maxProperties")
        found += _unbounded(extra, components, f"{where}{{}}", seen)
    return found


async def test_every_request_string_list_and_integer_has_an_upper_bound(starter: AppStarter) -> None:
    problems: list[str] = []
    for name in SERVICES:
        app, _ = starter.create(name)
        document = app.openapi()
        components = document.get("components", {}).get("schemas", {})
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                where = f"{name} {method.upper()} {path}"
                for parameter in operation.get("parameters", []):
                    if parameter.get("schema", {}).get("type") == "integer":
                        problems += _unbounded(parameter["schema"], components, f"{where} {parameter['name']}", set())
                content = operation.get("requestBody", {}).get("content", {})
                json_body = content.get("application/json", {}).get("schema")
                if json_body is not None:
                    problems += _unbounded(_resolve(json_body, components), components, f"{where} body", set())
    unexplained = [p for p in problems if p.split(":")[0] not in BOUNDED_OTHERWISE]
    assert unexplained == [], "\n".join(unexplained)


async def test_a_ten_megabyte_applicant_is_refused_by_size_before_it_is_read(
    eligibility: Harness, tokens: Tokens
) -> None:
    names = [{"script": "latin", "given": "Ivan", "family": "Petrov" + "x" * 380}] * 25_000
    body = applicant_body(names=names)
    response = await eligibility.client.post("/v1/applicants", json=body, headers=as_officer(tokens))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_body_without_a_length_is_cut_off_at_the_limit(eligibility: Harness, tokens: Tokens) -> None:
    sent = 0

    async def chunks() -> Any:
        nonlocal sent
        for _ in range(1_000):
            sent += 1
            yield b" " * 65_536

    response = await eligibility.client.post(
        "/v1/applicants", content=chunks(), headers={**as_officer(tokens), "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert sent < 100


async def test_an_applicant_with_too_many_names_is_refused(eligibility: Harness, tokens: Tokens) -> None:
    names = [{"script": "latin", "given": "Ivan", "family": "Petrov"}] * 50
    response = await eligibility.client.post(
        "/v1/applicants", json=applicant_body(names=names), headers=as_officer(tokens)
    )
    assert response.status_code == 422
    assert "names" in response.text


async def test_an_upload_route_takes_its_own_limit(eligibility: Harness, tokens: Tokens) -> None:
    headers = {**as_officer(tokens), "Content-Type": "application/yaml"}
    response = await eligibility.client.post("/v1/policies", content=b"#" * (600 * 1024), headers=headers)
    assert response.status_code == 413
    # The same problem as the default limit's, naming the route's own limit.
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/too-large")
    assert str(512 * 1024) in response.json()["detail"]
    bigger = {**as_officer(tokens), "Content-Type": "text/csv"}
    # Larger than the JSON default, within the intake limit: read, then refused for what it holds.
    response = await eligibility.client.post("/v1/intake-jobs", content=b"x" * (3 * 1024 * 1024), headers=bigger)
    assert response.status_code == 422


async def test_a_nul_character_anywhere_is_a_422_not_a_500(eligibility: Harness, tokens: Tokens) -> None:
    headers = as_officer(tokens)
    body = applicant_body(rank_or_post="Major\u0000General")
    assert (await eligibility.client.post("/v1/applicants", json=body, headers=headers)).status_code == 422
    key_with_nul = {**applicant_body(), "evidence\u0000": {}}
    assert (await eligibility.client.post("/v1/applicants", json=key_with_nul, headers=headers)).status_code == 422
    for url in ("/v1/applicants?after=a%00b", "/v1/applicants/a%00b", "/v1/policies?x=%00"):
        response = await eligibility.client.get(url, headers=headers)
        assert response.status_code == 422, url
        assert response.headers["content-type"] == "application/problem+json"
    # An escaped backslash followed by "u0000" is text, not a NUL.
    fine = applicant_body(rank_or_post="Major\\u0000")
    assert (await eligibility.client.post("/v1/applicants", json=fine, headers=headers)).status_code == 201


async def test_an_integer_path_parameter_past_the_database_range_is_refused(
    eligibility: Harness, tokens: Tokens
) -> None:
    for version in ("2147483648", "99999999999999999999", "0"):
        response = await eligibility.client.get(f"/v1/policies/{version}", headers=as_officer(tokens))
        assert response.status_code == 422, version
