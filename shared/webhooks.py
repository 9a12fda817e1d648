"""Signing and verifying event deliveries, and remembering which events a consumer has handled."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Unauthorized
from shared.plumbing import PlumbingTables

SIGNATURE_HEADER = "Carrots-Signature"
TIMESTAMP_HEADER = "Carrots-Timestamp"
TOLERANCE_SECONDS = 300


def _mac(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def sign_delivery(
    secret: bytes,
    body: bytes,
    *,
    event_id: str,
    event_type: str,
    now: float | None = None,
) -> dict[str, str]:
    """Headers for one delivery: the HMAC covers the timestamp and the exact body."""
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json",
        "Carrots-Event-Id": event_id,
        "Carrots-Event-Type": event_type,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: "v1=" + _mac(secret, timestamp, body),
    }


def verify_signature(
    secret: bytes,
    body: bytes,
    timestamp: str,
    signature: str,
    *,
    now: float | None = None,
) -> None:
    """Raise `Unauthorized` unless the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise Unauthorized("Carrots-Timestamp must be a Unix time in seconds.") from exc
    current = int(now if now is not None else time.time())
    if abs(current - sent) > TOLERANCE_SECONDS:
        raise Unauthorized("The delivery's timestamp is too old or in the future; check clocks and resend.")
    expected = "v1=" + _mac(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature):
        raise Unauthorized("The delivery's signature does not match its body.")


async def verified_body(request: Request) -> bytes:
    """The raw body of an event delivery, after its signature was checked."""
    body = await request.body()
    verify_signature(
        request.app.state.webhook_secret,
        body,
        request.headers.get(TIMESTAMP_HEADER, ""),
        request.headers.get(SIGNATURE_HEADER, ""),
    )
    return body


async def claim_event(session: AsyncSession, tables: PlumbingTables, event_id: str, event_type: str) -> bool:
    """Record that this consumer handles an event; False when it was already handled.

    `ON CONFLICT DO NOTHING` makes a concurrent second delivery of the same event wait for the first and
    then see it as handled, instead of failing on the unique key.
    """
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
