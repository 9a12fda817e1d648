"""Events as a contract: each service serves an AsyncAPI 3 document that validates against the official schema."""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from carrots.registry import EVENT_ROUTES, SERVICES
from shared.asyncapi import CATALOGUE, asyncapi_document
from shared.schemas import events
from shared.schemas.payments import PAYOUT_STATUS_CHANGED
from shared.webhooks import ID_HEADER, SIGNATURE_HEADER, SOURCE_HEADER, TIMESTAMP_HEADER
from tests.harness import settings_for

# Vendored from the AsyncAPI Initiative's spec-json-schemas (Apache-2.0), `schemas/3.0.0-without-$id.json`.
SCHEMA = json.loads((Path(__file__).parent.parent / "schemas" / "asyncapi-3.0.0.json").read_text())


def _errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(document)]


async def _served(name: str, var_dir: Path) -> dict[str, Any]:
    module = importlib.import_module(f"services.{name}.app")
    app = module.create_app(settings_for(name, f"sqlite+aiosqlite:///{var_dir / 'unused.db'}", var_dir))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/asyncapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_each_service_serves_an_asyncapi_3_document_that_validates(name: str, var_dir: Path) -> None:
    document = await _served(name, var_dir)
    assert document["asyncapi"] == "3.0.0"
    assert _errors(document) == []


def test_a_malformed_document_fails_the_validation() -> None:
    document = copy.deepcopy(asyncapi_document("asylum", "Asylum"))
    document["operations"]["sendCaseOpened"]["action"] = "publish"
    del document["channels"]["asylum.case.opened"]["messages"]["CaseOpened"]["$ref"]
    document["channels"]["asylum.case.opened"]["messages"]["CaseOpened"]["payload"] = 7
    assert len(_errors(document)) >= 2


def test_every_event_type_with_its_own_payload_is_catalogued() -> None:
    declared = {value for key, value in vars(events).items() if key.isupper() and isinstance(value, str)}
    assert {c.event_type for c in CATALOGUE} == declared | {PAYOUT_STATUS_CHANGED}


def test_the_documented_consumers_are_the_subscriptions_the_services_run_with() -> None:
    running = {
        (producer, consumer, t)
        for producer, routes in EVENT_ROUTES.items()
        for consumer, types in routes
        for t in types
    }
    documented = {(c.producer, consumer, c.event_type) for c in CATALOGUE for consumer in c.consumers}
    assert documented == running


def test_an_event_is_sent_by_its_owner_and_received_by_its_consumers_with_its_payload_schema() -> None:
    eligibility = asyncapi_document("eligibility", "Eligibility")
    payments = asyncapi_document("payments", "Payments")
    sent = eligibility["operations"]["sendApplicantApproved"]
    assert sent["action"] == "send"
    assert sent["x-consumers"] == ["payments", "asylum"]
    received = payments["operations"]["receiveApplicantApproved"]
    assert received["action"] == "receive"
    assert received["x-producer"] == "eligibility"
    assert "sendApplicantApproved" not in payments["operations"]
    schemas = eligibility["components"]["schemas"]
    envelope = schemas["ApplicantApprovedEnvelope"]["allOf"][1]["properties"]
    assert envelope["type"] == {"const": "eligibility.applicant.approved"}
    assert envelope["data"] == {"$ref": "#/components/schemas/ApplicantApproved"}
    assert set(schemas["ApplicantApproved"]["required"]) >= {"applicant_id", "assessment_id", "entitlements"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_message_documents_the_signature_headers(name: str) -> None:
    document = asyncapi_document(name, name)
    headers = document["components"]["schemas"]["DeliveryHeaders"]
    assert set(headers["required"]) == {ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER, SOURCE_HEADER}
    for message in document["components"]["messages"].values():
        assert message["headers"] == {"$ref": "#/components/schemas/DeliveryHeaders"}
    for operation in document["operations"].values():
        assert operation["security"] == [{"$ref": "#/components/securitySchemes/eventSignature"}]
