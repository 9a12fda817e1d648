"""The OpenAPI documents read well: operation names, tags, summaries."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from carrots.registry import SERVICES
from tests.contract import openapi_document, operations

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
