"""Receiving signed batches of events from a peer service and applying each event once.

A batch (`POST /v1/events/batch`, body `EventBatch`) is signed once over its whole body, with the same
Standard Webhooks headers as a single event (`webhook-id` is the batch's id). The consumer checks the signature,
the window and the signer once, then that every event inside names the signer as its source and is of a type
the signer owns: one event that fails these checks refuses the whole batch with 401 and no effect.

Then it applies the events in order, in the request's one transaction, and answers one result per event
(`applied`, `duplicate` or `failed`): every event id is claimed in `processed_events` in one statement, ids
handled before are skipped without running their handler, and an event whose handler fails leaves nothing
behind (its savepoint is rolled back and its claim removed) while the others are kept. If the transaction
does not commit, the producer gets no 200 and sends the batch again; the claims make the second run apply
only what the first did not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import Depends, Request
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import PROBLEM_BASE, ProblemError, Unauthorized, Unprocessable, may_answer
from shared.plumbing import PlumbingTables
from shared.schemas.events import EventBatch, EventBatchResult, EventEnvelope, EventOutcome, EventResult
from shared.servicekeys import PeerKeys, ServiceIdentity
from shared.tracing import Tracing, context_from_traceparent
from shared.webhooks import (
    ID_HEADER,
    PRECLAIMED,
    SOURCE_HEADER,
    authenticate_delivery,
    check_event_origin,
    signed_by_service,
)

log = structlog.get_logger("carrots.inbox")

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


def verify_event_batch(
    peers: PeerKeys, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> EventBatch:
    """Authenticate a batch from a peer service and every event in it; raise `Unauthorized` otherwise."""
    message_id, source = authenticate_delivery(peers, headers, body, now=now)
    try:
        batch = EventBatch.model_validate_json(body)
    except ValidationError as exc:
        raise Unprocessable(f"The signed body is not an event batch: {exc.errors()[0]['msg']}.") from exc
    if batch.id != message_id or batch.source != source:
        raise Unauthorized(f"The batch's id and source must equal the {ID_HEADER} and {SOURCE_HEADER} headers.")
    for envelope in batch.events:
        check_event_origin(envelope, source)
    if len({e.id for e in batch.events}) != len(batch.events):
        raise Unprocessable("An event id appears twice in the batch; each event is sent once per batch.")
    return batch


@dataclass(frozen=True)
class ReceivedBatch:
    """A verified batch and the receiving service's tracer, which continues each event's own trace."""

    batch: EventBatch
    tracer: trace.Tracer


@may_answer(401, 422)
async def verified_event_batch(request: Request) -> ReceivedBatch:
    """The batch delivered to `POST /v1/events/batch`, once its producer, signature, window and events were checked."""
    identity: ServiceIdentity = request.app.state.identity
    tracing: Tracing | None = getattr(request.app.state, "tracing", None)
    batch = verify_event_batch(identity.peers, request.headers, await request.body())
    return ReceivedBatch(batch, tracing.tracer if tracing is not None else trace.NoOpTracer())


VerifiedEventBatch = Annotated[ReceivedBatch, Depends(verified_event_batch)]


def signed_batch_by_service(reason: str) -> dict[str, Any]:
    """Route keyword arguments of a batch endpoint: callable by peer services only, signed once per batch."""
    route = signed_by_service(reason)
    extra = route["openapi_extra"]
    extra["requestBody"] = {
        "required": True,
        "description": "Events of one producer, exactly as signed (the signature covers the whole body); each event "
        "keeps its own `id`, `type` and `source`. Answered with one result per event.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventBatch"}}},
    }
    extra["parameters"][0] = {
        "name": ID_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "The batch's id; equals the body's `id`.",
    }
    return route


async def _claim_all(session: AsyncSession, tables: PlumbingTables, events: Sequence[EventEnvelope]) -> set[str]:
    """Claim every event id of a batch in one statement; return those not handled before."""
    t = tables.processed_events
    insert_for = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = datetime.now(UTC)
    claimed = await session.execute(
        insert_for(t)
        .values([{"event_id": e.id, "type": e.type, "processed_at": now} for e in events])
        .on_conflict_do_nothing(index_elements=[t.c.event_id])
        .returning(t.c.event_id)
    )
    fresh = set(claimed.scalars().all())
    session.info[PRECLAIMED] = set(fresh)
    return fresh


def _problem(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ProblemError):
        return {"type": PROBLEM_BASE + exc.slug, "title": exc.title, "status": exc.status, "detail": exc.detail}
    if isinstance(exc, ValidationError):
        detail = f"The event does not match its contract: {exc.errors()[0]['msg']}."
        return {
            "type": PROBLEM_BASE + "unprocessable",
            "title": "Request cannot be processed",
            "status": 422,
            "detail": detail,
        }
    return {
        "type": PROBLEM_BASE + "internal",
        "title": "Internal error",
        "status": 500,
        "detail": "The event could not be applied; it is delivered again later.",
    }


async def _apply_one(
    session: AsyncSession, envelope: EventEnvelope, handle: EventHandler, tracer: trace.Tracer
) -> None:
    # Each event starts unscoped, as its own request would: a handler that forgets its tenant is refused.
    session.info.pop("tenant", None)
    # Within the trace of the work that published it (its envelope's `traceparent`), as a single delivery would be.
    with tracer.start_as_current_span(
        f"apply {envelope.type}",
        context=context_from_traceparent(envelope.traceparent),
        kind=trace.SpanKind.CONSUMER,
        attributes={"carrots.event.type": envelope.type},
    ):
        await handle(session, envelope)
    # Written now, then forgotten: one event's loaded rows are never another's (tenant filters apply to queries).
    await session.flush()
    session.expunge_all()


async def _apply(
    session: AsyncSession,
    events: Sequence[EventEnvelope],
    fresh: set[str],
    handle: EventHandler,
    tracer: trace.Tracer,
    *,
    isolate: bool,
) -> list[EventResult]:
    results: list[EventResult] = []
    for envelope in events:
        if envelope.id not in fresh:
            results.append(EventResult(id=envelope.id, outcome=EventOutcome.duplicate))
            continue
        if not isolate:
            await _apply_one(session, envelope, handle, tracer)
            results.append(EventResult(id=envelope.id, outcome=EventOutcome.applied))
            continue
        try:
            async with session.begin_nested():
                await _apply_one(session, envelope, handle, tracer)
        except Exception as exc:  # noqa: BLE001 - what one handler raises is that event's result, not the batch's
            session.expunge_all()
            log.warning(
                "event_in_batch_failed", event_id=envelope.id, event_type=envelope.type, error=type(exc).__name__
            )
            results.append(EventResult(id=envelope.id, outcome=EventOutcome.failed, problem=_problem(exc)))
        else:
            results.append(EventResult(id=envelope.id, outcome=EventOutcome.applied))
    return results


async def apply_event_batch(
    session: AsyncSession, tables: PlumbingTables, received: ReceivedBatch | EventBatch, handle: EventHandler
) -> EventBatchResult:
    """Apply each event of a verified batch once, in order, with `handle`; one result per event.

    The batch first runs without savepoints (the common case: every event applies). If any event fails, the
    transaction is rolled back and the batch runs again with each event in its own savepoint, so the failing
    ones leave nothing behind and the others are kept.
    """
    batch, tracer = (
        (received.batch, received.tracer) if isinstance(received, ReceivedBatch) else (received, trace.NoOpTracer())
    )
    try:
        fresh = await _claim_all(session, tables, batch.events)
        results = await _apply(session, batch.events, fresh, handle, tracer, isolate=False)
    except Exception:  # noqa: BLE001 - any failure: run again with a savepoint per event to find which one
        await session.rollback()
        session.expunge_all()
        fresh = await _claim_all(session, tables, batch.events)
        results = await _apply(session, batch.events, fresh, handle, tracer, isolate=True)
        failed = [r.id for r in results if r.outcome is EventOutcome.failed]
        if failed:
            t = tables.processed_events
            await session.execute(delete(t).where(t.c.event_id.in_(failed)))
    finally:
        session.info.pop(PRECLAIMED, None)
        session.info.pop("tenant", None)
    return EventBatchResult(results=results)
