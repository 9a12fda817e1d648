"""Sending leased deliveries: one event per signed request, or many events of one producer in one signed batch."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx
from opentelemetry import trace
from pydantic import ValidationError

from shared.outbox.leases import LeasedDelivery
from shared.schemas.events import EventBatchResult, EventOutcome
from shared.servicekeys import ServiceIdentity
from shared.subscriptions.signing import sign_webhook
from shared.tracing import Tracing, context_from_traceparent, inject_context
from shared.webhooks import sign_event

BATCH_PATH_SUFFIX = "/batch"
# A batch's body stays under this many bytes (every service refuses bodies over 2 MiB before reading them).
BATCH_MAX_BYTES = 1024 * 1024
# A batch may take a consumer a while to apply (its handlers run once per event): more time than one event gets,
# still below the 30 s lease, so no other dispatcher takes the rows over while the consumer is working on them.
BATCH_TIMEOUT = httpx.Timeout(25.0, connect=5.0)
AddressCheck = Callable[[str], Awaitable[None]]


def encode_payload(payload: dict[str, object]) -> bytes:
    """An envelope's exact bytes on the wire: compact, keys sorted (what the signature covers)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def batch_url(events_url: str) -> str:
    """Where a consumer that takes single events at `events_url` takes batches."""
    return events_url.rstrip("/") + BATCH_PATH_SUFFIX


async def post_one(
    client: httpx.AsyncClient,
    identity: ServiceIdentity,
    tracing: Tracing,
    delivery: LeasedDelivery,
    address_check: AddressCheck | None,
) -> str | None:
    """Post one delivery; None when the receiver took it, else what went wrong."""
    payload = delivery.payload
    # A child of the work that published the event (its envelope's `traceparent`), whenever it is delivered.
    with tracing.tracer.start_as_current_span(
        f"deliver {payload.get('type', 'event')}",
        context=context_from_traceparent(payload.get("traceparent")),
        kind=trace.SpanKind.CLIENT,
        attributes={"carrots.event.type": str(payload.get("type", "")), "carrots.receiver": delivery.receiver},
    ) as span:
        error = await _post_one(client, identity, delivery, address_check)
        if error is not None:
            span.set_status(trace.StatusCode.ERROR)
        return error


async def _post_one(
    client: httpx.AsyncClient, identity: ServiceIdentity, delivery: LeasedDelivery, address_check: AddressCheck | None
) -> str | None:
    payload = delivery.payload
    body = encode_payload(payload)
    if delivery.secrets is None:
        headers = sign_event(identity, body, event_id=str(payload["id"]))
    else:
        headers = sign_webhook(delivery.secrets, body, message_id=str(payload["id"]))
        if address_check is not None:
            try:
                await address_check(httpx.URL(delivery.url).host)
            except Exception as exc:
                return f"refused address: {getattr(exc, 'detail', type(exc).__name__)}"
    inject_context(headers)
    try:
        # Streamed and closed unread: only the status counts, and a receiver's body (however large) is not loaded.
        async with client.stream("POST", delivery.url, content=body, headers=headers) as response:
            status = response.status_code
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= status < 300:
        return None
    return f"HTTP {status}"


def chunk_batches(deliveries: Sequence[LeasedDelivery], max_events: int) -> list[list[LeasedDelivery]]:
    """Split one consumer's deliveries into batches of at most `max_events` events and `BATCH_MAX_BYTES`."""
    chunks: list[list[LeasedDelivery]] = []
    current: list[LeasedDelivery] = []
    size = 0
    for delivery in deliveries:
        length = len(encode_payload(delivery.payload)) + 1
        if current and (len(current) >= max_events or size + length > BATCH_MAX_BYTES):
            chunks.append(current)
            current, size = [], 0
        current.append(delivery)
        size += length
    if current:
        chunks.append(current)
    return chunks


@dataclass(frozen=True)
class BatchAnswer:
    """What came of one batch: an error (None: taken) per delivery id, or that the consumer takes no batches."""

    errors: dict[int, str | None]
    unsupported: bool = False


async def post_batch(
    client: httpx.AsyncClient, identity: ServiceIdentity, tracing: Tracing, url: str, batch: Sequence[LeasedDelivery]
) -> BatchAnswer:
    """Post the events of `batch` (all for the consumer at `url`) in one request signed once over its body.

    The consumer answers one result per event: `applied` and `duplicate` are delivered, `failed` ones are
    retried alone on their schedule; an answer that is not a 200 with a result for an event fails that event.
    """
    batch_id = f"batch-{uuid.uuid4()}"
    # The body is built from each envelope's own bytes; keys stay sorted (`events`, `id`, `source`).
    body = (
        b'{"events":['
        + b",".join(encode_payload(d.payload) for d in batch)
        + f'],"id":"{batch_id}","source":{json.dumps(identity.name)}}}'.encode()
    )
    headers = sign_event(identity, body, event_id=batch_id)
    with tracing.tracer.start_as_current_span(
        "deliver event batch",
        kind=trace.SpanKind.CLIENT,
        attributes={"carrots.event.count": len(batch), "carrots.receiver": "service"},
    ) as span:
        inject_context(headers)
        answer = await _post_batch(client, batch_url(url), body, headers, batch)
        if any(error is not None for error in answer.errors.values()):
            span.set_status(trace.StatusCode.ERROR)
        return answer


async def _post_batch(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], batch: Sequence[LeasedDelivery]
) -> BatchAnswer:
    def every(error: str) -> dict[int, str | None]:
        return {d.id: error for d in batch}

    try:
        response = await client.post(url, content=body, headers=headers, timeout=BATCH_TIMEOUT)
    except httpx.HTTPError as exc:
        return BatchAnswer(every(f"{type(exc).__name__}: {exc}"))
    if response.status_code in (404, 405):
        # A consumer without the batch endpoint (an older release): its events go one by one.
        return BatchAnswer(every(f"HTTP {response.status_code}"), unsupported=True)
    if response.status_code != 200:
        return BatchAnswer(every(f"HTTP {response.status_code}"))
    try:
        results = EventBatchResult.model_validate_json(response.content).results
    except ValidationError:
        return BatchAnswer(every("the batch's answer is not a list of results"))
    by_event = {r.id: r for r in results}
    errors: dict[int, str | None] = {}
    for delivery in batch:
        result = by_event.get(str(delivery.payload["id"]))
        if result is None:
            errors[delivery.id] = "no result for the event in the batch's answer"
        elif result.outcome is EventOutcome.failed:
            problem = result.problem or {}
            errors[delivery.id] = f"HTTP {problem.get('status', 500)} in a batch: {problem.get('title', 'failed')}"
        else:
            errors[delivery.id] = None
    return BatchAnswer(errors)
