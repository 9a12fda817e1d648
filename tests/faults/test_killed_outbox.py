"""A worker killed between an event's write and its delivery: every event takes effect once, none is lost.

Eligibility's outbox holds approval events (each committed with its deliveries to payments). Its worker, a real
`carrots worker` process, is killed at the two worst moments (`shared.faults`):

- after sending a batch and before recording it as delivered: payments received every event, eligibility
  still thinks none went out, so they are all sent again;
- after leasing a batch and before sending any of it: the events wait under a dead worker's lease.

Each time the worker is started again once the lease has lapsed (the test moves the lease into the past
rather than waiting its 30 s). Afterwards every delivery is recorded as delivered, and payments, a real
uvicorn process, holds exactly one obligation per approval: the repeats were recognised by event id.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from services.eligibility.models import tables as eligibility_tables
from shared.config import Subscriber
from shared.db import make_engine, make_sessionmaker, session_scope
from shared.outbox import EventPublisher
from shared.schemas.events import APPLICANT_APPROVED, ApplicantApproved
from tests.faults.stack import (
    Database,
    ServiceProcess,
    migrated_database,
    prepare_var_dir,
    registry_stub,
    stopped_at_exit,
)
from tests.payments.service.helpers import approval

pytestmark = pytest.mark.e2e

BATCH = 12  # events written before each kill
# Event deliveries payments answered with success (one at a time, or several per request on a batch route).
DELIVERY_LABELS = ('route="/v1/events', 'status="20')


def _publish(database: Database, payments_url: str, count: int) -> None:
    """Write `count` approval events to eligibility's outbox, each committed with its delivery to payments."""

    async def run() -> None:
        engine = make_engine(database.url)
        subscriber = Subscriber(name="payments", url=f"{payments_url}/v1/events", event_types=[APPLICANT_APPROVED])
        publisher = EventPublisher(eligibility_tables, [subscriber], "eligibility")
        try:
            for _ in range(count):
                data = approval(applicant_id=f"app-{uuid.uuid4().hex[:10]}", tranches=[(10_000, "approval")])
                async with session_scope(make_sessionmaker(engine)) as session:
                    await publisher.publish(
                        session, APPLICANT_APPROVED, ApplicantApproved.model_validate(data), partner_id="DE"
                    )
        finally:
            await engine.dispose()

    asyncio.run(run())


def _deliveries(database: Database) -> dict[str, int]:
    engine = create_engine(database.sync_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT status, count(*) FROM outbox_deliveries GROUP BY status")).all()
            return {str(status): int(n) for status, n in rows}
    finally:
        engine.dispose()


def _lapse_leases(database: Database) -> int:
    """Move the dead worker's leases into the past, as the passing of their 30 s would."""
    engine = create_engine(database.sync_url)
    try:
        with engine.begin() as conn:
            moved = conn.execute(
                text("UPDATE outbox_deliveries SET leased_until = :past WHERE status = 'pending'"),
                {"past": datetime.now(UTC) - timedelta(seconds=1)},
            )
            return int(moved.rowcount)
    finally:
        engine.dispose()


def _count(database: Database, sql: str) -> int:
    engine = create_engine(database.sync_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_events_outlive_a_worker_killed_before_and_after_sending_them(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    prepare_var_dir(var_dir)
    producer = migrated_database("eligibility", tmp_path)
    consumer = migrated_database("payments", tmp_path)
    try:
        with registry_stub() as registry_url:
            payments = ServiceProcess("payments", consumer, var_dir, registry_url)
            worker = ServiceProcess(
                "eligibility", producer, var_dir, registry_url, worker=True, settings={"outbox_poll_seconds": "0.2"}
            )
            with stopped_at_exit(payments, worker):
                payments.start()
                # Sent, then killed before recording it: everything goes out a second time.
                _publish(producer, payments.url, BATCH)
                worker.start(fault="outbox-sent:eligibility")
                worker.wait_for_fault(timeout=120)
                assert _deliveries(producer) == {"pending": BATCH}
                assert _count(consumer, "SELECT count(*) FROM obligations") == BATCH
                leased_by_the_dead = _lapse_leases(producer)

                # Leased, then killed before sending: the events wait for the lease to lapse.
                _publish(producer, payments.url, BATCH)
                worker.start(fault="outbox-leased:eligibility")
                worker.wait_for_fault(timeout=120)
                assert _deliveries(producer) == {"pending": 2 * BATCH}
                assert _count(consumer, "SELECT count(*) FROM obligations") == BATCH
                leased_by_the_dead += _lapse_leases(producer)

                worker.start()
                deadline = time.monotonic() + 120
                while _deliveries(producer) != {"delivered": 2 * BATCH}:
                    assert time.monotonic() < deadline, _deliveries(producer)
                    time.sleep(0.3)
                metrics = httpx.get(f"{payments.url}/metrics", timeout=10).text
        obligations = _count(consumer, "SELECT count(*) FROM obligations")
        applicants = _count(consumer, "SELECT count(DISTINCT applicant_id) FROM obligations")
        handled = _count(consumer, "SELECT count(*) FROM processed_events")
    finally:
        producer.drop()
        consumer.drop()
    received = sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in metrics.splitlines()
        if line.startswith("http_requests_total{") and all(label in line for label in DELIVERY_LABELS)
    )
    events = 2 * BATCH
    print(
        f"\nworker killed around delivery ({producer.url.split(':')[0]}): 2 faults injected, {events} events, "
        f"{leased_by_the_dead} deliveries left under a dead worker's lease, {BATCH} events sent twice, "
        f"{received} delivery requests answered, {events - obligations} lost, {obligations - applicants} duplicated"
    )
    assert handled == events
    assert obligations == applicants == events
