"""A small job engine on each service's own database: queued jobs under leases, and periodic schedules.

A job is a row of `jobs`, written in the transaction of the work that asked for it, so it exists exactly when
that work committed. A worker claims one by setting a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, and a
conditional update on both databases, so two workers never hold the same job) and renews the lease while it
runs. A worker that is killed stops renewing: once the lease lapses, any worker claims the job again and
the handler resumes from what the job committed. A periodic task has a row in `job_schedules`; the worker
whose conditional update moves its `next_run_at` on runs that tick, and no other.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.plumbing import PlumbingTables

JobPayload = dict[str, Any]
# Handlers receive the service's wiring (what its app keeps in `app.state`) and the job's payload.
JobHandler = Callable[[Any, JobPayload], Awaitable[None]]
PeriodicTask = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    """What a kind of job does, and what to record when it gives up after its last attempt."""

    name: str
    run: JobHandler
    give_up: JobHandler | None = None
    max_attempts: int = 5


@dataclass(frozen=True)
class Periodic:
    """Work that runs on a schedule: every `every(settings)` seconds (zero or less: never)."""

    name: str
    every: Callable[[Any], float]
    run: PeriodicTask


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker holds the lease of."""

    id: str
    kind: str
    payload: JobPayload
    attempts: int


def _now() -> datetime:
    return datetime.now(UTC)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def enqueue_job(
    session: AsyncSession, tables: PlumbingTables, kind: str, payload: JobPayload, *, job_id: str | None = None
) -> str:
    """Queue a job in the caller's transaction; it runs only if that transaction commits.

    A domain record that tracks the work (an intake job, say) passes its own id, so that its readers can ask
    `worker_gone` about it.
    """
    job_id = job_id or str(uuid.uuid4())
    now = _now()
    await session.execute(
        insert(tables.jobs).values(
            id=job_id,
            kind=kind,
            payload=payload,
            status="queued",
            attempts=0,
            run_after=now,
            created_at=now,
        )
    )
    return job_id


async def worker_gone(session: AsyncSession, tables: PlumbingTables, job_id: str) -> bool:
    """True when the job was claimed and its worker stopped renewing the lease: it was killed or lost.

    The job is claimed again by the next worker that looks; until then its readers can say it is interrupted
    instead of running, within one lease of the worker's death.
    """
    j = tables.jobs
    row = (await session.execute(select(j.c.status, j.c.leased_until).where(j.c.id == job_id))).first()
    if row is None or row.status != "running":
        return False
    return row.leased_until is None or row.leased_until < _now()


class JobQueue:
    """Claims, renews, finishes and retries jobs for one worker."""

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        tables: PlumbingTables,
        worker_id: str,
        *,
        lease_seconds: float = 60.0,
    ) -> None:
        self._maker = maker
        self._tables = tables
        self.worker_id = worker_id
        self.lease = timedelta(seconds=lease_seconds)

    async def claim(self, kinds: Mapping[str, JobKind]) -> ClaimedJob | None:
        """Lease the oldest due job of a known kind, or None when there is none."""
        j = self._tables.jobs
        now = _now()
        free = or_(j.c.leased_until.is_(None), j.c.leased_until < now)
        async with self._maker() as session, session.begin():
            row = (
                await session.execute(
                    select(j.c.id, j.c.kind, j.c.payload, j.c.attempts)
                    .where(j.c.status.in_(("queued", "running")), j.c.run_after <= now, free, j.c.kind.in_(kinds))
                    .order_by(j.c.run_after, j.c.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).first()
            if row is None:
                return None
            # Conditional, so that on SQLite (no row locks) only one of two racing workers gets it.
            taken = await session.execute(
                update(j)
                .where(j.c.id == row.id, free)
                .values(
                    status="running", leased_until=now + self.lease, leased_by=self.worker_id, attempts=j.c.attempts + 1
                )
            )
            if _count(taken) != 1:
                return None
        return ClaimedJob(row.id, row.kind, dict(row.payload), row.attempts + 1)

    async def _update_mine(self, job_id: str, **values: object) -> bool:
        j = self._tables.jobs
        async with self._maker() as session, session.begin():
            result = await session.execute(
                update(j).where(j.c.id == job_id, j.c.leased_by == self.worker_id).values(**values)
            )
        return _count(result) == 1

    async def renew(self, job_id: str) -> bool:
        """Extend the lease of a job still running here; False if another worker took it over."""
        return await self._update_mine(job_id, leased_until=_now() + self.lease)

    async def finish(self, job_id: str) -> None:
        """Record that a job completed."""
        await self._update_mine(job_id, status="done", leased_until=None, finished_at=_now(), last_error=None)

    async def release(self, job_id: str) -> None:
        """Hand a job back at shutdown: any worker resumes it at once."""
        await self._update_mine(job_id, leased_until=None)

    async def retry_or_fail(self, job: ClaimedJob, kind: JobKind, error: BaseException) -> bool:
        """Queue a failed job again after a backoff, or mark it failed after its last attempt (True)."""
        # The type only: an exception's message can quote the personal data it refused.
        reason = type(error).__name__
        if job.attempts >= kind.max_attempts:
            await self._update_mine(job.id, status="failed", leased_until=None, finished_at=_now(), last_error=reason)
            return True
        delay = random.uniform(1.0, 2.0) * 2 ** (job.attempts - 1)
        await self._update_mine(
            job.id,
            status="queued",
            leased_until=None,
            run_after=_now() + timedelta(seconds=delay),
            last_error=reason,
        )
        return False


async def claim_schedule_tick(
    maker: async_sessionmaker[AsyncSession], tables: PlumbingTables, name: str, every: float, worker_id: str
) -> bool:
    """Take this tick of a periodic task if it is due and no other worker took it (moves it `every` on)."""
    s = tables.job_schedules
    now = _now()
    async with maker() as session, session.begin():
        taken = await session.execute(
            update(s)
            .where(s.c.name == name, s.c.next_run_at <= now)
            .values(next_run_at=now + timedelta(seconds=every), last_run_by=worker_id)
        )
        if _count(taken) == 1:
            return True
        exists = (await session.execute(select(s.c.name).where(s.c.name == name))).first()
    if exists is not None:
        return False
    try:
        async with maker() as session, session.begin():
            await session.execute(
                insert(s).values(name=name, next_run_at=now + timedelta(seconds=every), last_run_by=worker_id)
            )
    except IntegrityError:
        return False  # another worker created it first and runs this tick
    return True


async def prune_finished_jobs(
    maker: async_sessionmaker[AsyncSession], tables: PlumbingTables, older_than: timedelta
) -> int:
    """Delete jobs that finished (done or failed) longer ago than `older_than`; returns how many."""
    j = tables.jobs
    async with maker() as session, session.begin():
        result = await session.execute(
            delete(j).where(j.c.status.in_(("done", "failed")), j.c.finished_at < _now() - older_than)
        )
    return _count(result)
