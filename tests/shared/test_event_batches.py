"""Events between services in signed batches: one signature per batch, each event applied once with its own result."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request, Response
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import Subscriber
from shared.deps import SessionDep
from shared.errors import Unprocessable, install_problem_handlers
from shared.inbox import VerifiedEventBatch, apply_event_batch
from shared.outbox import EventPublisher, OutboxDispatcher
from shared.schemas.events import CaseOpened, EventBatch, EventBatchResult, EventEnvelope
from shared.servicekeys import PeerKeys, ServiceIdentity, SigningKey, public_pem
from shared.tracing import Tracing
from shared.webhooks import VerifiedEvent, sign_event
from tests.harness import Harness
from tests.shared.probe import tables

KEY = Ed25519PrivateKey.generate()
PRODUCER = ServiceIdentity("asylum", [SigningKey("k1", KEY)], PeerKeys())
CONSUMER = ServiceIdentity(
    "payments",
    [SigningKey("k1", Ed25519PrivateKey.generate())],
    PeerKeys.from_config({"asylum": [f"k1:{public_pem(KEY).decode()}"]}),
)
URL = "http://consumer.test/v1/events"


class Crash(BaseException):
    """The consumer's process dies here: nothing after it runs, its transaction never commits."""


def _envelope(case_id: str) -> EventEnvelope:
    return EventEnvelope(
        id=str(uuid.uuid4()),
        type="asylum.case.opened",
        source="asylum",
        occurred_at=datetime.now(UTC),
        partner_id="DE",
        data=CaseOpened(case_id=case_id, applicant_id="a", partner_id="DE").model_dump(mode="json"),
    )


class Consumer:
    """A consumer's handler: one audit row per applied event; `poison` cases fail, `crash_on` kills it."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.crash_on: str | None = None
        self.cured = False

    async def __call__(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        case_id = str(envelope.data["case_id"])
        self.seen.append(case_id)
        if case_id == self.crash_on:
            raise Crash
        await session.execute(
            insert(tables.audit_log).values(
                at=datetime.now(UTC),
                actor_org="asylum",
                actor_kind="service",
                actor_subject=f"event:{envelope.id}",
                action="applied",
                resource_type="case",
                resource_id=case_id,
            )
        )
        if case_id.startswith("poison") and not self.cured:
            raise Unprocessable("This case cannot be applied.")


def consumer_app(h: Harness, handle: Consumer, *, lose_answers: int = 0) -> tuple[FastAPI, list[str]]:
    """The consumer's two event routes on the probe's database; records each request's path."""
    app = FastAPI()
    app.state.sessionmaker = h.app.state.sessionmaker
    app.state.identity = CONSUMER
    install_problem_handlers(app)
    paths: list[str] = []
    lost = {"left": lose_answers}

    @app.middleware("http")
    async def record(request: Request, call_next: Callable[..., object]) -> Response:
        paths.append(request.url.path)
        response: Response = await call_next(request)  # type: ignore[misc]
        if lost["left"] > 0:
            # The work committed, but the answer never reaches the producer.
            lost["left"] -= 1
            return Response(status_code=502)
        return response

    @app.post("/v1/events", status_code=204)
    async def one(envelope: VerifiedEvent, session: SessionDep) -> Response:
        await handle(session, envelope)
        return Response(status_code=204)

    @app.post("/v1/events/batch")
    async def many(batch: VerifiedEventBatch, session: SessionDep) -> EventBatchResult:
        return await apply_event_batch(session, tables, batch, handle)

    return app, paths


async def _applied(h: Harness) -> list[str]:
    a = tables.audit_log
    async with h.app.state.sessionmaker() as session:
        rows = await session.execute(select(a.c.resource_id).where(a.c.action == "applied").order_by(a.c.id))
        return list(rows.scalars())


async def _publish(h: Harness, case_ids: list[str]) -> None:
    publisher = EventPublisher(tables, [Subscriber(name="consumer", url=URL)], "asylum")
    async with h.app.state.sessionmaker() as session, session.begin():
        for case_id in case_ids:
            await publisher.publish(
                session,
                "asylum.case.opened",
                CaseOpened(case_id=case_id, applicant_id="a", partner_id="DE"),
                partner_id="DE",
            )


def _dispatcher(h: Harness, app: FastAPI, **options: object) -> OutboxDispatcher:
    client = httpx.AsyncClient(mounts={"http://consumer.test": httpx.ASGITransport(app=app)})
    return OutboxDispatcher(h.app.state.sessionmaker, tables, PRODUCER, client, base_delay=0.0, **options)  # type: ignore[arg-type]


async def _statuses(h: Harness) -> list[tuple[str, int]]:
    d = tables.outbox_deliveries
    async with h.app.state.sessionmaker() as session:
        return [
            (r.status, r.attempts) for r in await session.execute(select(d.c.status, d.c.attempts).order_by(d.c.id))
        ]


async def test_events_for_one_consumer_go_in_one_signed_request_and_are_marked_in_one_statement(probe: Harness) -> None:
    handle = Consumer()
    app, paths = consumer_app(probe, handle)
    await _publish(probe, [f"case-{i}" for i in range(30)])
    updates: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX_DELIVERIES"):
            updates.append(statement)

    engine = probe.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert await _dispatcher(probe, app, events_per_request=100).run_once() == 30
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert paths == ["/v1/events/batch"]
    # In outbox order: a consumer sees an aggregate's events as they were published.
    assert handle.seen == [f"case-{i}" for i in range(30)] == await _applied(probe)
    # One to lease the round, one to mark all thirty delivered.
    assert len(updates) == 2
    assert await _statuses(probe) == [("delivered", 1)] * 30


async def test_one_failing_event_fails_alone_and_is_retried_alone(probe: Harness) -> None:
    handle = Consumer()
    app, paths = consumer_app(probe, handle)
    await _publish(probe, ["case-0", "poison-1", "case-2"])
    dispatcher = _dispatcher(probe, app)
    assert await dispatcher.run_once() == 2
    # The poisoned event left nothing behind (its audit row and its claim rolled back); the others are kept.
    assert await _applied(probe) == ["case-0", "case-2"]
    assert await _statuses(probe) == [("delivered", 1), ("pending", 1), ("delivered", 1)]
    d = tables.outbox_deliveries
    async with probe.app.state.sessionmaker() as session:
        error = (await session.execute(select(d.c.last_error).where(d.c.status == "pending"))).scalar_one()
    assert error.startswith("HTTP 422 in a batch")
    # Once the consumer can apply it, the retry goes alone (one event: one request) and applies it once.
    handle.cured = True
    paths.clear()
    assert await dispatcher.run_once() == 1
    assert paths == ["/v1/events"]
    assert await _applied(probe) == ["case-0", "case-2", "poison-1"]
    assert await dispatcher.run_once() == 0


async def test_a_batch_redelivered_after_a_crash_mid_apply_applies_each_event_once(probe: Harness) -> None:
    batch = EventBatch(id="batch-1", source="asylum", events=[_envelope(f"case-{i}") for i in range(5)])
    handle = Consumer()
    handle.crash_on = "case-3"
    maker = probe.app.state.sessionmaker
    try:
        async with maker() as session:
            await apply_event_batch(session, tables, batch, handle)
            await session.commit()
    except Crash:
        pass
    assert await _applied(probe) == []
    handle.crash_on = None
    for expected in (["applied"] * 5, ["duplicate"] * 5):
        async with maker() as session, session.begin():
            results = (await apply_event_batch(session, tables, batch, handle)).results
        assert [r.outcome for r in results] == expected
    assert await _applied(probe) == [f"case-{i}" for i in range(5)]


async def test_a_batch_whose_answer_was_lost_is_sent_again_and_changes_nothing_more(probe: Harness) -> None:
    app, paths = consumer_app(probe, Consumer(), lose_answers=1)
    await _publish(probe, [f"case-{i}" for i in range(4)])
    dispatcher = _dispatcher(probe, app)
    assert await dispatcher.run_once() == 0
    assert await _statuses(probe) == [("pending", 1)] * 4
    assert await dispatcher.run_once() == 4
    assert paths == ["/v1/events/batch", "/v1/events/batch"]
    assert await _applied(probe) == [f"case-{i}" for i in range(4)]
    assert await _statuses(probe) == [("delivered", 2)] * 4


async def test_a_consumer_without_the_batch_endpoint_gets_its_events_one_by_one(probe: Harness) -> None:
    handle = Consumer()
    app, paths = consumer_app(probe, handle)
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/v1/events/batch"]
    await _publish(probe, ["case-0", "case-1", "case-2"])
    dispatcher = _dispatcher(probe, app)
    assert await dispatcher.run_once() == 3
    assert paths[0] == "/v1/events/batch"
    assert sorted(paths[1:]) == ["/v1/events"] * 3
    await _publish(probe, ["case-3", "case-4"])
    assert await dispatcher.run_once() == 2
    assert paths[4:] == ["/v1/events", "/v1/events"]
    assert sorted(await _applied(probe)) == [f"case-{i}" for i in range(5)]


async def test_a_batch_is_refused_whole_when_any_event_is_not_the_signers_to_send(probe: Harness) -> None:
    app, _ = consumer_app(probe, Consumer())
    forged = _envelope("case-x").model_copy(update={"type": "eligibility.applicant.approved"})
    other_source = _envelope("case-y").model_copy(update={"source": "eligibility"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://consumer.test") as client:
        for intruder in (forged, other_source):
            batch = EventBatch(id=f"batch-{uuid.uuid4()}", source="asylum", events=[_envelope("case-0"), intruder])
            body = batch.model_dump_json().encode()
            response = await client.post(
                "/v1/events/batch", content=body, headers=sign_event(PRODUCER, body, event_id=batch.id)
            )
            assert response.status_code == 401, response.text
        # A body signed for another batch id, and a body changed after signing.
        batch = EventBatch(id="batch-a", source="asylum", events=[_envelope("case-0")])
        body = batch.model_dump_json().encode()
        response = await client.post(
            "/v1/events/batch", content=body, headers=sign_event(PRODUCER, body, event_id="batch-b")
        )
        assert response.status_code == 401
        headers = sign_event(PRODUCER, body, event_id=batch.id)
        tampered = json.dumps({**json.loads(body), "events": [_envelope("case-1").model_dump(mode="json")]}).encode()
        assert (await client.post("/v1/events/batch", content=tampered, headers=headers)).status_code == 401
    assert await _applied(probe) == []


async def test_each_event_of_a_batch_is_applied_in_the_trace_that_published_it(probe: Harness) -> None:
    exporter = InMemorySpanExporter()
    app, _ = consumer_app(probe, Consumer())
    app.state.tracing = Tracing("payments")
    app.state.tracing.export_to(exporter, batch=False)
    parents = [f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01" for _ in range(2)]
    events = [_envelope(f"case-{i}").model_copy(update={"traceparent": p}) for i, p in enumerate(parents)]
    batch = EventBatch(id="batch-traced", source="asylum", events=events)
    body = batch.model_dump_json().encode()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://consumer.test") as client:
        response = await client.post(
            "/v1/events/batch", content=body, headers=sign_event(PRODUCER, body, event_id=batch.id)
        )
    assert response.status_code == 200, response.text
    applied = [s for s in exporter.get_finished_spans() if s.name == "apply asylum.case.opened"]
    assert [f"{s.context.trace_id:032x}" for s in applied] == [p.split("-")[1] for p in parents]
    assert [f"{s.parent.span_id:016x}" for s in applied if s.parent is not None] == [p.split("-")[2] for p in parents]
