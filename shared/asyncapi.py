"""The events of a service as an AsyncAPI 3 document, generated from the pydantic event models.

Each service serves its own at `GET /asyncapi.json`, beside `/openapi.json`: the events it sends (with their
payload schema and the services that consume them), the events it receives at `POST /v1/events`, the headers
that sign every delivery and how to check them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.auth import public
from shared.schemas import events
from shared.schemas.payments import PAYOUT_STATUS_CHANGED, PayoutStatusChanged
from shared.webhooks import (
    ASYMMETRIC_VERSION,
    ID_HEADER,
    SIGNATURE_HEADER,
    SOURCE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE_SECONDS,
    event_owner,
)

ASYNCAPI_VERSION = "3.0.0"
EVENTS_PATH = "/v1/events"
BATCH_CHANNEL = "events.batch"
_REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class EventContract:
    """One event type: its name, its payload model and the services that consume it."""

    event_type: str
    payload: type[BaseModel]
    consumers: tuple[str, ...] = ()

    @property
    def producer(self) -> str:
        return event_owner(self.event_type)

    @property
    def message_name(self) -> str:
        return self.payload.__name__


# Every event with a richer contract than `RecordChanged`, and who subscribes to it when the services run together.
CATALOGUE: tuple[EventContract, ...] = (
    EventContract(events.APPLICANT_APPROVED, events.ApplicantApproved, ("payments", "asylum")),
    EventContract(events.ARRIVAL_VERIFIED, events.ArrivalVerified, ("payments",)),
    EventContract(events.FAMILY_MEMBER_REGISTERED, events.FamilyMemberRegistered, ("asylum",)),
    EventContract(events.CASE_OPENED, events.CaseOpened, ("payments",)),
    EventContract(events.CASE_STATUS_CHANGED, events.CaseStatusChanged, ("payments",)),
    EventContract(PAYOUT_STATUS_CHANGED, PayoutStatusChanged),
    EventContract(events.TESTIMONY_TAKEN_DOWN, events.TestimonyTakenDown),
)
RECORD_CHANGED = "RecordChanged"


def _delivery_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "required": [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER, SOURCE_HEADER],
        "properties": {
            ID_HEADER: {"type": "string", "description": "The event id; equals the envelope's `id`."},
            TIMESTAMP_HEADER: {
                "type": "string",
                "pattern": "^[0-9]+$",
                "description": f"Unix seconds when the delivery was signed; refused beyond {TOLERANCE_SECONDS} s.",
            },
            SIGNATURE_HEADER: {
                "type": "string",
                "description": f"Space-separated `{ASYMMETRIC_VERSION},<base64 Ed25519 signature of "
                "id.timestamp.body>`, one per current key of the producer.",
            },
            SOURCE_HEADER: {
                "type": "string",
                "description": "The producing service: the first part of the event type, and the envelope's `source`.",
            },
        },
    }


def _envelope(type_pattern: dict[str, Any], payload: str) -> dict[str, Any]:
    return {
        "allOf": [
            {"$ref": _REF.format(model="EventEnvelope")},
            {"type": "object", "properties": {"type": type_pattern, "data": {"$ref": _REF.format(model=payload)}}},
        ]
    }


def _message(name: str, title: str, summary: str, envelope: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "summary": summary,
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/DeliveryHeaders"},
        "payload": {"$ref": _REF.format(model=envelope)},
    }


def _schemas(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    _, top = models_json_schema([(m, "validation") for m in models], ref_template=_REF)
    schemas: dict[str, Any] = top.get("$defs", {})
    return schemas


def asyncapi_document(service: str, title: str) -> dict[str, Any]:
    """The AsyncAPI 3 document of a service: what it sends, to whom, and what it receives."""
    sent = [c for c in CATALOGUE if c.producer == service]
    received = [c for c in CATALOGUE if service in c.consumers]
    contracts = sorted({c.event_type: c for c in [*sent, *received]}.values(), key=lambda c: c.event_type)
    schemas = _schemas(
        [
            events.EventEnvelope,
            events.EventBatch,
            events.EventBatchResult,
            events.RecordChanged,
            *(c.payload for c in contracts),
        ]
    )
    schemas["DeliveryHeaders"] = _delivery_headers()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for contract in contracts:
        envelope = f"{contract.message_name}Envelope"
        schemas[envelope] = _envelope({"const": contract.event_type}, contract.message_name)
        doc = (contract.payload.__doc__ or contract.event_type).strip()
        summary = doc.splitlines()[0]
        messages[contract.message_name] = _message(contract.message_name, contract.event_type, summary, envelope)
        channels[contract.event_type] = {
            "address": contract.event_type,
            "title": contract.event_type,
            "description": f"Sent by {contract.producer} to `POST {EVENTS_PATH}` of each consumer. {doc}",
            "messages": {contract.message_name: {"$ref": f"#/components/messages/{contract.message_name}"}},
        }
    changed_channel = f"{service}.recordChanged"
    channels[changed_channel] = {
        "address": f"{service}.{{resource_type}}.{{action}}",
        "title": f"{service}.<resource_type>.<action>",
        "description": "Every other change of this service (e.g. `asylum.case.transferred`), carrying ids only, "
        "so that a subscriber fetches what it is allowed to see.",
        "parameters": {
            "resource_type": {"description": "Kind of record, e.g. `applicant`, `case`, `obligation`."},
            "action": {"description": "What happened, e.g. `registered`, `transferred`, `released`."},
        },
        "messages": {RECORD_CHANGED: {"$ref": f"#/components/messages/{RECORD_CHANGED}"}},
    }
    schemas["RecordChangedEnvelope"] = _envelope(
        {"type": "string", "pattern": rf"^{service}\.[a-z_]+\.[a-z_]+$"}, RECORD_CHANGED
    )
    messages[RECORD_CHANGED] = _message(
        RECORD_CHANGED, f"{service}.<resource_type>.<action>", "A record changed.", "RecordChangedEnvelope"
    )
    security = [{"$ref": "#/components/securitySchemes/eventSignature"}]
    for contract in sent:
        operations[f"send{contract.message_name}"] = {
            "action": "send",
            "title": f"Send {contract.event_type}",
            "summary": f"{service} signs and delivers it at least once to every subscriber.",
            "channel": {"$ref": f"#/channels/{contract.event_type}"},
            "messages": [{"$ref": f"#/channels/{contract.event_type}/messages/{contract.message_name}"}],
            "security": security,
            "x-consumers": list(contract.consumers),
        }
    operations["sendRecordChanged"] = {
        "action": "send",
        "title": f"Send {service}.<resource_type>.<action>",
        "summary": "Announced for every change that has no richer event.",
        "channel": {"$ref": f"#/channels/{changed_channel}"},
        "messages": [{"$ref": f"#/channels/{changed_channel}/messages/{RECORD_CHANGED}"}],
        "security": security,
        "x-consumers": [],
    }
    for contract in received:
        operations[f"receive{contract.message_name}"] = {
            "action": "receive",
            "title": f"Receive {contract.event_type}",
            "summary": f"Accepted at `POST {EVENTS_PATH}` only when signed by {contract.producer}; a repeated id "
            "changes nothing.",
            "channel": {"$ref": f"#/channels/{contract.event_type}"},
            "messages": [{"$ref": f"#/channels/{contract.event_type}/messages/{contract.message_name}"}],
            "security": security,
            "x-producer": contract.producer,
        }
    _add_batches(service, bool(sent), bool(received), channels, operations, messages, security)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"{title}: events",
            "version": "1.0.0",
            "description": f"Events {service} sends and receives. Each is delivered as an HTTP POST of its JSON "
            f"envelope to the consumer's `{EVENTS_PATH}`, signed with the Standard Webhooks headers by the "
            "producing service's own Ed25519 key; a consumer accepts an event type only from the service that owns "
            "it (the type's first part). Deliveries are at least once: consumers ignore an id they handled. "
            f"Several events for one consumer travel together as an `EventBatch` to `{EVENTS_PATH}/batch`, signed "
            "once over the whole body; the consumer answers one result per event (`EventBatchResult`).",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "securitySchemes": {
                "eventSignature": {
                    "type": "asymmetricEncryption",
                    "description": f"`{SIGNATURE_HEADER}`: `{ASYMMETRIC_VERSION},` and the base64 Ed25519 signature "
                    f"of `{ID_HEADER}.{TIMESTAMP_HEADER}.body` by a current key of the service named in "
                    f"`{SOURCE_HEADER}`; the timestamp must be within {TOLERANCE_SECONDS} s.",
                }
            },
        },
    }


def _add_batches(
    service: str,
    sends: bool,
    receives: bool,
    channels: dict[str, Any],
    operations: dict[str, Any],
    messages: dict[str, Any],
    security: list[dict[str, str]],
) -> None:
    """The batch channel: any of the events above, several per delivery, signed once."""
    channels[BATCH_CHANNEL] = {
        "address": BATCH_CHANNEL,
        "title": "Batch of events",
        "description": f"Several events of one producer for one consumer, posted to `{EVENTS_PATH}/batch` with the "
        f"same headers as one event (`{ID_HEADER}` is the batch's id and equals its `id`); the signature covers the "
        "whole body. Every event inside must name the signer as `source` and be of a type it owns, or the whole "
        "batch is refused (401) with no effect. The consumer applies the events in order, each id at most once, and "
        "answers 200 with an `EventBatchResult`: one result per event, `applied`, `duplicate` (handled before, "
        "nothing changed) or `failed` (nothing of it kept; the producer retries that event alone, on its schedule). "
        "A consumer without the endpoint (404 or 405) gets the same events one per request.",
        "messages": {"EventBatch": {"$ref": "#/components/messages/EventBatch"}},
    }
    messages["EventBatch"] = _message(
        "EventBatch", "Batch of events", "Events of one producer, signed once.", "EventBatch"
    )
    ref = {"channel": {"$ref": f"#/channels/{BATCH_CHANNEL}"}}
    message = [{"$ref": f"#/channels/{BATCH_CHANNEL}/messages/EventBatch"}]
    if sends:
        operations["sendEventBatch"] = {
            "action": "send",
            "title": "Send a batch of events",
            "summary": f"{service} sends the events due for one consumer together (up to "
            f"{events.EVENT_BATCH_MAX} per batch, under 1 MiB).",
            **ref,
            "messages": message,
            "security": security,
        }
    if receives:
        operations["receiveEventBatch"] = {
            "action": "receive",
            "title": "Receive a batch of events",
            "summary": f"Accepted at `POST {EVENTS_PATH}/batch` under the same rules as each event alone; answered "
            "with one result per event.",
            **ref,
            "messages": message,
            "security": security,
        }


def asyncapi_router(service: str, title: str) -> APIRouter:
    """`GET /asyncapi.json`: the service's events, open like `/openapi.json`."""
    router = APIRouter()
    document = asyncapi_document(service, title)

    @router.get(
        "/asyncapi.json",
        include_in_schema=False,
        **public("the contract of the service's events, published like its OpenAPI document"),
    )
    async def read_asyncapi() -> JSONResponse:
        """The AsyncAPI 3 document of this service's events."""
        return JSONResponse(document)

    return router
