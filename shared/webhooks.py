"""Signed event deliveries between services, and remembering which events a consumer has handled.

Deliveries use the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Between
services the signature is asymmetric (`v1a`, Ed25519 over `id.timestamp.body`) and made with the producing
service's own key, so a consumer can tell which service wrote an event and nobody else (a partner holding a
webhook secret included) can write one. A consumer accepts an event only when:

- a current key of the service named by `carrots-source` signed it, within `TOLERANCE_SECONDS` of now;
- the envelope says the same source and id as the headers;
- the event type belongs to that service (the first part of the type names its owner:
  `eligibility.applicant.approved` comes from eligibility and from nobody else).

Anything else is refused with 401 before the consumer reads the payload, so it has no effect.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Unauthorized, Unprocessable, may_answer
from shared.plumbing import PlumbingTables
from shared.schemas.events import EventEnvelope
from shared.servicekeys import PeerKeys, ServiceIdentity, b64

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SOURCE_HEADER = "carrots-source"
TOLERANCE_SECONDS = 300
ASYMMETRIC_VERSION = "v1a"
EVENT_SECURITY_SCHEME = "eventSignature"
EVENT_SECURITY_DOC = (
    f"Standard Webhooks signature by the producing service: `{SIGNATURE_HEADER}` holds `{ASYMMETRIC_VERSION},` and the "
    f"base64 Ed25519 signature of `<{ID_HEADER}>.<{TIMESTAMP_HEADER}>.<body>` by a current key of the service named in "
    f"`{SOURCE_HEADER}`, which must own the event type; the timestamp must be within {TOLERANCE_SECONDS} s."
)


def signed_content(message_id: str, timestamp: str, body: bytes) -> bytes:
    """What a Standard Webhooks signature covers: the message id, the timestamp and the exact body."""
    return f"{message_id}.{timestamp}.".encode() + body


def event_owner(event_type: str) -> str:
    """The service that owns an event type: the type's first part (`asylum.case.opened` -> `asylum`)."""
    return event_type.split(".", 1)[0]


def sign_event(identity: ServiceIdentity, body: bytes, *, event_id: str, now: float | None = None) -> dict[str, str]:
    """Headers of one delivery signed with every current key of this service."""
    timestamp = str(int(now if now is not None else time.time()))
    signatures = identity.sign_all(signed_content(event_id, timestamp, body))
    return {
        "content-type": "application/json",
        ID_HEADER: event_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: " ".join(f"{ASYMMETRIC_VERSION},{b64(s)}" for s in signatures),
        SOURCE_HEADER: identity.name,
    }


def _asymmetric_signatures(header: str) -> list[bytes]:
    signatures = []
    for part in header.split():
        version, _, encoded = part.partition(",")
        if version != ASYMMETRIC_VERSION:
            continue
        try:
            signatures.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return signatures


def check_timestamp(timestamp: str, *, now: float | None = None) -> None:
    """Refuse a delivery whose timestamp is not a recent Unix time."""
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise Unauthorized(f"{TIMESTAMP_HEADER} must be a Unix time in seconds.") from exc
    current = int(now if now is not None else time.time())
    if abs(current - sent) > TOLERANCE_SECONDS:
        raise Unauthorized(
            f"The delivery's {TIMESTAMP_HEADER} is more than {TOLERANCE_SECONDS} s from this service's clock; "
            "a replayed or delayed delivery is refused. Check clocks and resend."
        )


def authenticate_delivery(
    peers: PeerKeys, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> tuple[str, str]:
    """Check a delivery's headers and signature (not yet its body); return its message id and source service."""
    message_id = headers.get(ID_HEADER, "")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    source = headers.get(SOURCE_HEADER, "")
    if not (message_id and timestamp and signature and source):
        raise Unauthorized(
            f"An event delivery must carry {ID_HEADER}, {TIMESTAMP_HEADER}, {SIGNATURE_HEADER} and {SOURCE_HEADER} "
            "headers; events are accepted from peer services only."
        )
    check_timestamp(timestamp, now=now)
    if source not in peers.services():
        raise Unauthorized(f"No signing key is known for a service named {source[:64]!r}.")
    content = signed_content(message_id, timestamp, body)
    if not any(peers.verifies(source, content, s) for s in _asymmetric_signatures(signature)):
        raise Unauthorized(
            f"No {ASYMMETRIC_VERSION} signature of the delivery verifies under a current key of {source}; "
            "events are signed by the producing service's own key."
        )
    return message_id, source


def check_event_origin(envelope: EventEnvelope, source: str) -> None:
    """Refuse an event that names another source than the delivery's signer, or whose type its signer does not own."""
    if envelope.source != source:
        raise Unauthorized(f"The envelope's source must equal the {SOURCE_HEADER} header.")
    owner = event_owner(envelope.type)
    if owner != source:
        raise Unauthorized(f"Events of type {envelope.type} come from {owner} only; {source} may not send them.")


def verify_event(
    peers: PeerKeys, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> EventEnvelope:
    """Authenticate one delivery from a peer service and return its envelope; raise `Unauthorized` otherwise."""
    message_id, source = authenticate_delivery(peers, headers, body, now=now)
    try:
        envelope = EventEnvelope.model_validate_json(body)
    except ValidationError as exc:
        raise Unprocessable(f"The signed body is not an event envelope: {exc.errors()[0]['msg']}.") from exc
    if envelope.id != message_id or envelope.source != source:
        raise Unauthorized(f"The envelope's id and source must equal the {ID_HEADER} and {SOURCE_HEADER} headers.")
    check_event_origin(envelope, source)
    return envelope


@may_answer(401, 422)
async def verified_event(request: Request) -> EventEnvelope:
    """The envelope of a delivery to `POST /v1/events`, once its producer, signature and freshness were checked."""
    identity: ServiceIdentity = request.app.state.identity
    return verify_event(identity.peers, request.headers, await request.body())


VerifiedEvent = Annotated[EventEnvelope, Depends(verified_event)]


def signed_by_service(reason: str) -> dict[str, Any]:
    """Route keyword arguments of an event endpoint: callable by peer services only, with signed deliveries."""
    headers = [
        (ID_HEADER, "The event id; equals the envelope's `id`."),
        (TIMESTAMP_HEADER, f"Unix seconds when the delivery was signed; refused beyond {TOLERANCE_SECONDS} s."),
        (
            SIGNATURE_HEADER,
            f"Space-separated `{ASYMMETRIC_VERSION},<base64 Ed25519 signature of id.timestamp.body>`, one per "
            "current key of the producer.",
        ),
        (SOURCE_HEADER, "The producing service; must own the event type and equal the envelope's `source`."),
    ]
    return {
        "openapi_extra": {
            "security": [{EVENT_SECURITY_SCHEME: []}],
            "requestBody": {
                "required": True,
                "description": "The event envelope, exactly as signed; `data` is the payload of its `type` "
                "(see the producer's `/asyncapi.json`).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventEnvelope"}}},
            },
            "x-caller-kinds": ["service"],
            "x-signed-event": True,
            "x-tenant-rule": f"Peer services only, by signature (no bearer token). {reason}",
            "parameters": [
                {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": text}
                for name, text in headers
            ],
        }
    }


# A session's set of event ids a batch already claimed in one statement (`shared.inbox`): `claim_event` takes
# them without another insert.
PRECLAIMED = "carrots.preclaimed_events"


async def claim_event(session: AsyncSession, tables: PlumbingTables, event_id: str, event_type: str) -> bool:
    """Record that this consumer handles an event; False when it was already handled.

    `ON CONFLICT DO NOTHING` makes a concurrent second delivery of the same event wait for the first and
    then see it as handled, instead of failing on the unique key. An event a batch claimed up front in this
    transaction is taken once without a statement.
    """
    preclaimed: set[str] | None = session.info.get(PRECLAIMED)
    if preclaimed is not None and event_id in preclaimed:
        preclaimed.discard(event_id)
        return True
    t = tables.processed_events
    dialect = session.get_bind().dialect.name
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claimed = await session.execute(
        insert_for(t)
        .values(event_id=event_id, type=event_type, processed_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=[t.c.event_id])
        .returning(t.c.event_id)
    )
    return claimed.first() is not None
