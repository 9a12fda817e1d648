"""The job engine: jobs exist only if their transaction commits, survive a killed worker, run once across replicas."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from shared.jobs import JobKind, Periodic, enqueue_job, prune_finished_jobs
from shared.worker import Worker
from tests.harness import Harness
from tests.shared.probe import tables

Ran = Counter[str]


def recording(ran: Ran, *, fail_times: int = 0) -> JobKind:
    failures = {"left": fail_times}

    async def run(app: Any, payload: dict[str, Any]) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("a transient failure")
        await asyncio.sleep(0)
        ran[str(payload["n"])] += 1

    async def give_up(app: Any, payload: dict[str, Any]) -> None:
        ran["gave up"] += 1

    return JobKind("probe.record", run, give_up, max_attempts=2)


async def queue(h: Harness, count: int) -> list[str]:
    async with h.app.state.sessionmaker() as session, session.begin():
        return [await enqueue_job(session, tables, "probe.record", {"n": n}) for n in range(count)]


async def job_rows(h: Harness) -> list[tuple[str, int]]:
    j = tables.jobs
    async with h.app.state.sessionmaker() as session:
        return [(r.status, r.attempts) for r in await session.execute(select(j.c.status, j.c.attempts))]


async def make_due(h: Harness) -> None:
    async with h.app.state.sessionmaker() as session, session.begin():
        await session.execute(update(tables.jobs).values(run_after=datetime.now(UTC) - timedelta(seconds=1)))


async def test_a_job_exists_only_if_the_work_that_queued_it_committed(probe: Harness) -> None:
    async def queue_then_fail() -> None:
        async with probe.app.state.sessionmaker() as session, session.begin():
            await enqueue_job(session, tables, "probe.record", {"n": 1})
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        await queue_then_fail()
    assert await job_rows(probe) == []


async def test_a_worker_runs_each_queued_job_once(probe: Harness) -> None:
    ran: Ran = Counter()
    probe.app.state.job_kinds = [recording(ran)]
    await queue(probe, 3)
    assert await Worker(probe.app, worker_id="w1").run_due_jobs() == 3
    assert ran == {"0": 1, "1": 1, "2": 1}
    assert await job_rows(probe) == [("done", 1)] * 3
    assert await Worker(probe.app, worker_id="w2").run_due_jobs() == 0


async def test_a_failing_job_is_retried_later_then_given_up_after_its_last_attempt(probe: Harness) -> None:
    ran: Ran = Counter()
    probe.app.state.job_kinds = [recording(ran, fail_times=5)]
    await queue(probe, 1)
    worker = Worker(probe.app, worker_id="w1")
    assert await worker.run_due_jobs() == 1
    assert await job_rows(probe) == [("queued", 1)]
    assert await worker.run_due_jobs() == 0  # backing off
    await make_due(probe)
    assert await worker.run_due_jobs() == 1
    assert await job_rows(probe) == [("failed", 2)]
    assert ran == {"gave up": 1}


async def test_the_job_of_a_killed_worker_is_taken_over_once_its_lease_lapses(probe: Harness) -> None:
    ran: Ran = Counter()
    probe.app.state.job_kinds = [recording(ran)]
    await queue(probe, 1)
    killed = Worker(probe.app, worker_id="killed", lease_seconds=0.3)
    held = await killed.queue.claim(killed.kinds)
    assert held is not None  # claimed, then the process died without a word
    survivor = Worker(probe.app, worker_id="survivor", lease_seconds=0.3)
    assert await survivor.run_due_jobs() == 0
    await asyncio.sleep(0.4)
    assert await survivor.run_due_jobs() == 1
    assert ran == {"0": 1}
    assert await job_rows(probe) == [("done", 2)]


async def test_a_job_cancelled_at_shutdown_is_handed_back_at_once(probe: Harness) -> None:
    started = asyncio.Event()

    async def slow(app: Any, payload: dict[str, Any]) -> None:
        started.set()
        await asyncio.sleep(60)

    probe.app.state.job_kinds = [JobKind("probe.record", slow)]
    await queue(probe, 1)
    stopping = Worker(probe.app, worker_id="stopping", lease_seconds=60)
    task = asyncio.create_task(stopping.run_due_jobs())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    ran: Ran = Counter()
    probe.app.state.job_kinds = [recording(ran)]
    assert await Worker(probe.app, worker_id="next", lease_seconds=60).run_due_jobs() == 1
    assert ran == {"0": 1}


@pytest.mark.postgres_only
async def test_two_workers_never_run_the_same_job(probe: Harness) -> None:
    ran: Ran = Counter()
    probe.app.state.job_kinds = [recording(ran)]
    await queue(probe, 40)
    first, second = Worker(probe.app, worker_id="a"), Worker(probe.app, worker_id="b")
    counts = await asyncio.gather(first.run_due_jobs(), second.run_due_jobs())
    assert sum(counts) == 40
    assert all(counts), counts  # both took part
    assert set(ran) == {str(n) for n in range(40)}
    assert max(ran.values()) == 1


async def test_a_periodic_tick_runs_on_one_worker_only(probe: Harness) -> None:
    ticks: Ran = Counter()

    async def tick(app: Any) -> None:
        ticks["tick"] += 1

    probe.app.state.periodic = [Periodic("probe.tick", lambda settings: 60.0, tick)]
    first, second = Worker(probe.app, worker_id="a"), Worker(probe.app, worker_id="b")
    if probe.database_url.startswith("postgresql"):
        await asyncio.gather(first.run_due_schedules(), second.run_due_schedules())
    else:
        await first.run_due_schedules()
        await second.run_due_schedules()
    assert ticks == {"tick": 1}
    s = tables.job_schedules
    async with probe.app.state.sessionmaker() as session, session.begin():
        await session.execute(update(s).values(next_run_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert await second.run_due_schedules() == 1
    assert ticks == {"tick": 2}


async def test_finished_jobs_are_pruned_after_the_retention_period(probe: Harness) -> None:
    ran: Ran = Counter()
    probe.app.state.job_kinds = [recording(ran)]
    await queue(probe, 2)
    assert await Worker(probe.app, worker_id="w1").run_due_jobs() == 2
    j = tables.jobs
    async with probe.app.state.sessionmaker() as session, session.begin():
        oldest = (await session.execute(select(j.c.id).order_by(j.c.id).limit(1))).scalar_one()
        await session.execute(
            update(j).where(j.c.id == oldest).values(finished_at=datetime.now(UTC) - timedelta(days=31))
        )
    assert await prune_finished_jobs(probe.app.state.sessionmaker, tables, timedelta(days=30)) == 1
    assert await job_rows(probe) == [("done", 1)]


async def test_a_worker_slot_survives_a_database_error_while_recording_an_outcome(
    probe: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: Ran = Counter()
    probe.app.state.job_kinds = [recording(ran)]
    await queue(probe, 1)
    worker = Worker(probe.app, worker_id="w1", poll_seconds=0.01)

    async def database_gone(job_id: str) -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(worker.queue, "finish", database_gone)
    slot = asyncio.create_task(worker._job_slot())
    await asyncio.sleep(0.3)
    assert not slot.done()
    slot.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slot
    assert ran["0"] >= 1
