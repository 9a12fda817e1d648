"""A service's worker: delivers its events, runs its queued jobs and its periodic work, outside the API process.

The worker builds the same app as the API (database, keys, cipher, publisher) and enters its lifespan, but
serves no HTTP: it only runs what the service declared in `ServiceSpec.jobs` and `ServiceSpec.periodic`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Sequence

import anyio
import structlog
from fastapi import FastAPI

from shared.jobs import ClaimedJob, JobKind, JobQueue, Periodic, claim_schedule_tick
from shared.observability import bind_service

log = structlog.get_logger("carrots.worker")


def new_worker_id() -> str:
    """A name for this worker process, unique across replicas (host, pid and a random suffix)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Runs one service's background work; replicas share it through leases in the service's database."""

    def __init__(
        self,
        app: FastAPI,
        *,
        worker_id: str | None = None,
        slots: int | None = None,
        poll_seconds: float | None = None,
        lease_seconds: float | None = None,
    ) -> None:
        state = app.state
        settings = state.settings
        self.app = app
        self.kinds: dict[str, JobKind] = {k.name: k for k in state.job_kinds}
        self.periodic: Sequence[Periodic] = state.periodic
        self.slots = slots if slots is not None else settings.worker_job_slots
        self.poll = poll_seconds if poll_seconds is not None else settings.worker_poll_seconds
        lease = lease_seconds if lease_seconds is not None else settings.job_lease_seconds
        self.queue = JobQueue(state.sessionmaker, state.tables, worker_id or new_worker_id(), lease_seconds=lease)

    async def _keep_lease(self, job_id: str) -> None:
        while True:
            await anyio.sleep(self.queue.lease.total_seconds() / 3)
            if not await self.queue.renew(job_id):
                log.warning("job_lease_lost", job_id=job_id)

    async def run_job(self, job: ClaimedJob) -> None:
        """Run a claimed job under a renewed lease; retry it later if it fails, hand it back if cancelled."""
        kind = self.kinds[job.kind]
        keeper = asyncio.create_task(self._keep_lease(job.id))
        try:
            try:
                await kind.run(self.app, job.payload)
            finally:
                keeper.cancel()
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True):
                await self.queue.release(job.id)
            raise
        except Exception as error:
            log.exception("job_failed", job_id=job.id, kind=job.kind, attempt=job.attempts)
            if await self.queue.retry_or_fail(job, kind, error) and kind.give_up is not None:
                await kind.give_up(self.app, job.payload)
            return
        await self.queue.finish(job.id)
        log.info("job_done", job_id=job.id, kind=job.kind, attempt=job.attempts)

    async def run_due_jobs(self) -> int:
        """Run due jobs one after another until none is left; returns how many ran."""
        ran = 0
        while (job := await self.queue.claim(self.kinds)) is not None:
            await self.run_job(job)
            ran += 1
        return ran

    async def run_due_schedules(self) -> int:
        """Run every periodic task whose tick is due and not taken by another worker; returns how many ran."""
        ran = 0
        for task in self.periodic:
            every = task.every(self.app.state.settings)
            if every <= 0:
                continue
            claimed = await claim_schedule_tick(
                self.app.state.sessionmaker, self.app.state.tables, task.name, every, self.queue.worker_id
            )
            if not claimed:
                continue
            ran += 1
            try:
                await task.run(self.app)
            except Exception:
                log.exception("periodic_task_failed", task=task.name)
        return ran

    async def _job_slot(self) -> None:
        while True:
            try:
                job = await self.queue.claim(self.kinds)
            except Exception:
                log.exception("job_claim_failed")
                job = None
            if job is None:
                await anyio.sleep(self.poll)
                continue
            try:
                await self.run_job(job)
            except Exception:
                # Recording the outcome failed (the database went away): the lease lapses and the job runs again.
                log.exception("job_outcome_not_recorded", job_id=job.id, kind=job.kind)
                await anyio.sleep(self.poll)

    async def _schedules(self) -> None:
        while True:
            try:
                await self.run_due_schedules()
            except Exception:
                log.exception("schedule_claim_failed")
            await anyio.sleep(self.poll)

    async def run_forever(self) -> None:
        """Deliver events, run jobs and keep schedules until cancelled."""
        settings = self.app.state.settings
        log.info("worker_started", worker=self.queue.worker_id, jobs=sorted(self.kinds), slots=self.slots)
        async with anyio.create_task_group() as tg:
            # Also without peer subscribers: partners' webhook deliveries wait in the same outbox.
            if settings.outbox_enabled:
                tg.start_soon(self.app.state.dispatcher.run_forever, settings.outbox_poll_seconds)
            if self.kinds:
                for _ in range(self.slots):
                    tg.start_soon(self._job_slot)
            if self.periodic:
                tg.start_soon(self._schedules)


async def work(app: FastAPI) -> None:
    """Open a service's resources (its lifespan) and run its worker until cancelled."""
    bind_service(app.state.metrics.service)
    async with app.router.lifespan_context(app):
        await Worker(app).run_forever()
