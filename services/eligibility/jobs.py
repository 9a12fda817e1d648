"""Background jobs of this replica: each runs as a task, is cancelled at shutdown, and records why it stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.eligibility.models import IntakeJob, RescreeningJob
from shared.db import session_scope

JobTable = type[IntakeJob] | type[RescreeningJob]


async def mark_job(maker: async_sessionmaker[AsyncSession], job_table: JobTable, job_id: str, job_status: str) -> None:
    """Set a job's status in its own transaction, whichever partner it belongs to."""
    async with session_scope(maker) as session:
        await session.execute(
            update(job_table)
            .where(job_table.id == job_id)
            .values(status=job_status)
            .execution_options(include_all_tenants=True)
        )


async def run_job(
    work: Callable[[], Awaitable[None]],
    maker: async_sessionmaker[AsyncSession],
    job_table: JobTable,
    job_id: str,
    log: structlog.stdlib.BoundLogger,
    failure_event: str,
) -> None:
    """Run a job's work, marking the job `interrupted` at shutdown or `failed` when it raised."""
    try:
        await work()
    except asyncio.CancelledError:
        # Shutting down: say so at once rather than after the stall timeout.
        await asyncio.shield(mark_job(maker, job_table, job_id, "interrupted"))
        raise
    except Exception:
        log.exception(failure_event, job_id=job_id)
        await mark_job(maker, job_table, job_id, "failed")


def start_job_task(app: FastAPI, job: Coroutine[Any, Any, None]) -> None:
    """Run a job as a task of this replica, which the app cancels at shutdown."""
    tasks: set[asyncio.Task[None]] = app.state.intake_tasks
    task = asyncio.get_running_loop().create_task(job)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
