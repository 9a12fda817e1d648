"""What the OpenAPI documents promise beyond what FastAPI derives: names, errors, examples and retries.

Every operation lists each problem status it can answer, derived in one place from what the route is made of:
its dependencies declare theirs (`shared.errors.may_answer`: a bearer token 401, scopes 403, the database 503,
an `Idempotency-Key` 400/409/422), a path parameter may name no record (404), parameters and bodies can fail
validation (422), anything can fail unexpectedly (500), and the route adds what its own code raises with
`responses=problem_responses(...)`. Every error answer is an RFC 9457 `Problem`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from shared.errors import PROBLEM_DESCRIPTIONS, PROBLEM_JSON, InvalidParam, Problem, declared_statuses
from shared.idempotency import KEY_HEADER, KEY_HEADER_DOC, idempotency
from shared.retries import takes_optional_key
from shared.schemas.events import EventBatch, EventEnvelope
from shared.webhooks import EVENT_SECURITY_DOC, EVENT_SECURITY_SCHEME, SIGNATURE_HEADER

PROBLEM_REF = "#/components/schemas/Problem"
_REF = "#/components/schemas/{model}"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def operation_id(route: APIRoute) -> str:
    """A short, stable operationId: the endpoint's function name in camelCase (`create_payout` -> `createPayout`)."""
    first, *rest = route.name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def route_problem_statuses(route: Any) -> set[int]:
    """The problem statuses a route can answer by construction (its own `responses` come on top)."""
    statuses = {500}
    dependant: Dependant = route.dependant
    for part in _dependants(dependant):
        statuses |= declared_statuses(part.call)
        if part.path_params:
            statuses.add(404)
        if part.path_params or part.query_params or part.header_params or part.cookie_params or part.body_params:
            statuses.add(422)
    for extra in getattr(route, "dependencies", []) or []:
        statuses |= declared_statuses(extra.dependency)
    # `shared.limits`: a NUL character in any query string is refused (422), and every app limits bodies (413).
    statuses.add(422)
    if getattr(route, "max_body_size", None) or set(getattr(route, "methods", ())) & {"POST", "PUT", "PATCH"}:
        statuses.add(413)
    return statuses


def documented_routes(routes: Sequence[BaseRoute]) -> Iterator[Any]:
    """Every API route of an app as the document sees it (prefixes and included routers resolved)."""
    for context in iter_route_contexts(routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield context


def _is_problem(response: dict[str, Any]) -> bool:
    """Whether an error response is (or should become) a problem; a few answer their own model (`/readyz`)."""
    for media in response.get("content", {}).values():
        ref = str(media.get("schema", {}).get("$ref", ""))
        if ref and ref.rsplit("/", 1)[-1] not in ("Problem", *_FASTAPI_VALIDATION_SCHEMAS):
            return False
    return True


def complete_security(document: dict[str, Any]) -> None:
    """Name the two ways a caller proves who it is: a bearer token, or an event signed by a peer service."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(
        {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "A JWT from the partner's identity provider with `org`, `kind` and `scope` claims.",
            },
            EVENT_SECURITY_SCHEME: {
                "type": "apiKey",
                "in": "header",
                "name": SIGNATURE_HEADER,
                "description": EVENT_SECURITY_DOC,
            },
        }
    )
    schemas = components.setdefault("schemas", {})
    schemas["EventEnvelope"] = EventEnvelope.model_json_schema(ref_template=_REF)
    batch = EventBatch.model_json_schema(ref_template=_REF)
    schemas.update(batch.pop("$defs", {}))
    schemas["EventBatch"] = batch


def complete_errors(document: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    """List on every operation each problem status it can answer, as `application/problem+json` `Problem`."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    schemas["InvalidParam"] = InvalidParam.model_json_schema(ref_template="#/components/schemas/{model}")
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem.pop("$defs", None)
    schemas["Problem"] = problem
    for route in documented_routes(routes):
        for method in sorted(route.methods):
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            optional_key_statuses = {409, 410, 422} if takes_optional_key(route) else set()
            if optional_key_statuses:
                operation.setdefault("parameters", []).append(
                    {
                        "name": KEY_HEADER,
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                        "description": KEY_HEADER_DOC + " Optional here: send one to make a retry safe.",
                    }
                )
            for status in route_problem_statuses(route) | optional_key_statuses:
                responses.setdefault(str(status), {"description": PROBLEM_DESCRIPTIONS.get(status, "Error.")})
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400 and _is_problem(response):
                    if response.get("description") in (None, "", "Validation Error"):
                        response["description"] = PROBLEM_DESCRIPTIONS.get(int(code), "Error.")
                    response["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
            operation["responses"] = dict(sorted(responses.items()))
            if any(part.call is idempotency for part in _dependants(route.dependant)):
                # Optional to the framework so that a missing key answers 400, not 422; required by contract.
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "header" and parameter["name"].lower() == KEY_HEADER.lower():
                        parameter["required"] = True
                        parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": 255}


# Candidates tried, in order, against a schema's `pattern`; a pattern none of them fits needs a field example
# (`Field(examples=[...])`), or the test that validates every example fails.
_PATTERN_CANDIDATES = (
    "DE",
    "EUR",
    "conscript",
    "member-1",
    "1999-04",
    "asylum_granted",
    "verified_arrival",
    "DE89370400440532013000",
    "example",
    "0",
)
_FORMAT_EXAMPLES = {
    "date-time": "2026-12-01T09:30:00Z",
    "date": "2026-12-01",
    "uuid": "0193a4b2-7c1e-7d3a-9b2f-4e5d6c7b8a90",
    "email": "officer@partner.example",
    "uri": "https://partner.example/carrots/events",
    "binary": "",
}


def example_of(schema: dict[str, Any], components: dict[str, Any], seen: frozenset[str] = frozenset()) -> Any:
    """An example value of a JSON schema: its own example where it has one, else one built from its constraints."""
    if schema.get("examples"):
        return schema["examples"][0]
    for key in ("example", "const"):
        if key in schema:
            return schema[key]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return None if name in seen else example_of(components[name], components, seen | {name})
    if schema.get("default") is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example_of(options[0], components, seen)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example_of(part, components, seen)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        value = {name: example_of(sub, components, seen) for name, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties")
        if not value and isinstance(extra, dict) and schema.get("minProperties", 0) > 0:
            key = example_of(schema.get("propertyNames", {"type": "string"}), components, seen)
            value[str(key)] = example_of(extra, components, seen)
        return value
    if kind == "array":
        item = example_of(schema.get("items", {}), components, seen)
        return [item] * max(1, int(schema.get("minItems", 1)))
    if kind == "string":
        if "pattern" in schema:
            return next((c for c in _PATTERN_CANDIDATES if re.search(schema["pattern"], c)), "example")
        if schema.get("format") in _FORMAT_EXAMPLES:
            return _FORMAT_EXAMPLES[schema["format"]]
        text = "example".ljust(int(schema.get("minLength", 0)), "x")
        return text[: int(schema.get("maxLength", len(text)))]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1)
        return min(low, schema.get("maximum", low))
    if kind == "boolean":
        return True
    return None


def complete_examples(document: dict[str, Any]) -> None:
    """Give every JSON request body and answer an example: the schema's own, or one built from it."""
    components = document.get("components", {}).get("schemas", {})
    for item in document["paths"].values():
        for operation in item.values():
            bodies = [operation.get("requestBody", {})] + [
                answer for status, answer in operation.get("responses", {}).items() if status.startswith("2")
            ]
            for body in bodies:
                for media_type, media in body.get("content", {}).items():
                    if media_type.endswith("json") and "schema" in media and "example" not in media:
                        media["example"] = example_of(media["schema"], components)
