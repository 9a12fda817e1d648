"""The OpenAPI documents read well: operation names, tags, summaries."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from carrots.registry import SERVICES
from shared.contract import example_of
from shared.errors import PROBLEM_JSON
from shared.observability import Metrics
from tests.contract import AnswerRecorder, openapi_document, operations, undocumented_errors

CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_operation_ids_are_short_unique_camel_case_names(name: str, var_dir: Path) -> None:
    ids = [op["operationId"] for _, _, op in operations(openapi_document(name, var_dir))]
    assert [i for i in ids if not CAMEL.match(i)] == []
    assert [i for i, n in Counter(ids).items() if n > 1] == []


@pytest.mark.parametrize(
    ("name", "method", "path", "expected"),
    [
        ("eligibility", "POST", "/v1/applicants", "registerApplicant"),
        ("payments", "POST", "/v1/payouts", "createPayout"),
        ("asylum", "GET", "/v1/cases/{case_id}", "readCase"),
        ("testimony", "POST", "/v1/testimonies/{testimony_id}/consents", "giveConsent"),
    ],
)
def test_operation_ids_come_from_the_endpoint_names(
    name: str, method: str, path: str, expected: str, var_dir: Path
) -> None:
    document = openapi_document(name, var_dir)
    assert document["paths"][path][method.lower()]["operationId"] == expected


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_operation_has_a_tag_a_summary_and_a_description(name: str, var_dir: Path) -> None:
    lacking = [
        f"{method} {path}"
        for method, path, op in operations(openapi_document(name, var_dir))
        if not (op.get("tags") and op.get("summary") and op.get("description"))
    ]
    assert lacking == []


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_no_operation_advertises_the_frameworks_default_validation_error(name: str, var_dir: Path) -> None:
    document = openapi_document(name, var_dir)
    assert "HTTPValidationError" not in json.dumps(document)
    problem = document["components"]["schemas"]["Problem"]
    assert problem["properties"]["invalid_params"]["anyOf"][0]["items"] == {"$ref": "#/components/schemas/InvalidParam"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_error_answer_is_documented_as_a_problem(name: str, var_dir: Path) -> None:
    not_problems = [
        f"{method} {path} {status}"
        for method, path, op in operations(openapi_document(name, var_dir))
        for status, response in op["responses"].items()
        if int(status) >= 400
        and (method, path) != ("GET", "/readyz")
        and response.get("content") != {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    ]
    assert not_problems == []


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_operation_lists_the_errors_its_parts_can_answer(name: str, var_dir: Path) -> None:
    missing = []
    for method, path, op in operations(openapi_document(name, var_dir)):
        expected = {"500"}
        if any("bearer" in requirement for requirement in op.get("security", [])):
            expected |= {"401", "403", "503"}
        if "{" in path:
            expected |= {"404", "422"}
        keys = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
        if keys:
            expected |= {"409", "422"} | ({"400"} if keys[0]["required"] else set())
        if "requestBody" in op:
            expected.add("422")
        missing += [f"{method} {path} {status}" for status in sorted(expected - set(op["responses"]))]
    assert missing == []


def test_a_required_idempotency_key_is_documented_as_required(var_dir: Path) -> None:
    operation = openapi_document("payments", var_dir)["paths"]["/v1/payouts"]["post"]
    (key,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is True
    assert key["schema"] == {"type": "string", "minLength": 1, "maxLength": 255}


def test_an_error_status_the_document_does_not_list_is_reported(var_dir: Path) -> None:
    documents = {"payments": openapi_document("payments", var_dir)}
    answers = {
        ("payments", "GET", "/v1/payouts", 200),
        ("payments", "GET", "/v1/payouts", 401),
        ("payments", "GET", "/v1/payouts", 418),
        ("payments", "GET", "/a-page-kept-out-of-the-document", 404),
        ("payments", "GET", "unmatched", 404),
    }
    assert undocumented_errors(answers, documents) == [
        "payments: GET /v1/payouts answered 418, not listed by listPayouts"
    ]


def test_the_recorder_sees_what_every_app_answers() -> None:
    recorder = AnswerRecorder()
    recorder.start()
    try:
        metrics = Metrics("payments")
    finally:
        recorder.stop()
    metrics.requests.labels("payments", "POST", "/v1/payouts", "409").inc()
    assert recorder.answers() == {("payments", "POST", "/v1/payouts", 409)}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_openapi_document_validates(name: str, var_dir: Path) -> None:
    validate(openapi_document(name, var_dir))


def test_the_event_endpoint_documents_its_body_headers_and_signature(var_dir: Path) -> None:
    document = openapi_document("asylum", var_dir)
    operation = document["paths"]["/v1/events"]["post"]
    assert operation["security"] == [{"eventSignature": []}]
    assert document["components"]["securitySchemes"]["eventSignature"]["name"] == "webhook-signature"
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/EventEnvelope"}
    assert "EventEnvelope" in document["components"]["schemas"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header" and p["required"]}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature", "carrots-source"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_creating_call_documents_its_idempotency_key(name: str, var_dir: Path) -> None:
    lacking = []
    for method, path, op in operations(openapi_document(name, var_dir)):
        creates = method == "POST" and ({"201", "202"} & set(op["responses"]))
        bearer = any("bearer" in requirement for requirement in op.get("security", []))
        multipart = "multipart/form-data" in op.get("requestBody", {}).get("content", {})
        if creates and bearer and not multipart:
            keys = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
            if len(keys) != 1 or not {"409", "422"} <= set(op["responses"]):
                lacking.append(f"{method} {path}")
    assert lacking == []


def test_the_key_is_optional_where_no_money_moves(var_dir: Path) -> None:
    operation = openapi_document("eligibility", var_dir)["paths"]["/v1/applicants"]["post"]
    (key,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is False


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_json_body_and_answer_has_an_example_that_fits_its_schema(name: str, var_dir: Path) -> None:
    document = openapi_document(name, var_dir)
    registry: Registry[Any] = Registry().with_resource(
        "urn:document", DRAFT202012.create_resource({"components": document["components"]})
    )
    wrong = []
    for method, path, op in operations(document):
        bodies = [("request", op.get("requestBody", {}))]
        bodies += [(status, answer) for status, answer in op["responses"].items() if status.startswith("2")]
        for label, body in bodies:
            for media_type, media in body.get("content", {}).items():
                if not media_type.endswith("json") or "schema" not in media:
                    continue
                schema = json.loads(json.dumps(media["schema"]).replace('"#/components', '"urn:document#/components'))
                validator = Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())
                if "example" not in media:
                    wrong.append(f"{method} {path} {label}: no example")
                elif error := next(iter(validator.iter_errors(media["example"])), None):
                    wrong.append(f"{method} {path} {label}: {error.message[:120]}")
    assert wrong == []


def test_a_schemas_own_example_is_used_before_a_built_one() -> None:
    components = {"Problem": {"type": "object", "examples": [{"status": 422}], "properties": {}}}
    assert example_of({"$ref": "#/components/schemas/Problem"}, components) == {"status": 422}
    built = example_of(
        {"type": "object", "properties": {"currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}}, components
    )
    assert built == {"currency": "EUR"}
