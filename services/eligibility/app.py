"""Eligibility service: applicants, tier policies, assessments, approvals and screening."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.eligibility.applicants.router import router as applicants_router
from services.eligibility.applicants.service import document_key
from services.eligibility.assessments.router import router as assessments_router
from services.eligibility.config import EligibilitySettings
from services.eligibility.duplicates.router import router as duplicates_router
from services.eligibility.erasure.router import router as erasure_router
from services.eligibility.intake.jobs import INTAKE
from services.eligibility.intake.router import router as intake_router
from services.eligibility.models import Base, tables
from services.eligibility.policies.router import router as policies_router
from services.eligibility.screening.lists.jobs import RESCREENING
from services.eligibility.screening.lists.metrics import eligibility_metrics
from services.eligibility.screening.lists.pool import KeyedDocumentKey, ScreeningPool
from services.eligibility.screening.lists.router import router as sanctions_router
from services.eligibility.screening.lists.service import ScreeningState, refresh_screening_state
from shared.app import ServiceSpec, build_app
from shared.config import Environment
from shared.db import session_scope
from shared.schemas.catalogue import EVENT_TYPES


@asynccontextmanager
async def _eligibility_state(app: FastAPI) -> AsyncIterator[None]:
    settings: EligibilitySettings = app.state.settings
    processes = settings.screening_processes
    if processes is None:
        processes = 0 if settings.environment is Environment.test else min(2, os.cpu_count() or 1)
    pool = ScreeningPool(processes, KeyedDocumentKey(app.state.blind_index_key)) if processes > 0 else None
    app.state.screening = ScreeningState(document_key=document_key(app.state.blind_index_key), pool=pool)
    try:
        # The stored lists are indexed before the first request, not by it.
        async with session_scope(app.state.sessionmaker) as session:
            await refresh_screening_state(session, app.state.screening)
        if pool is not None:
            # What startup made lives as long as the process: out of the collector's sight, a full collection
            # (about 90 ms of CPU over the imported modules alone, stalling every request) costs next to nothing.
            # Not in tests without screening processes, which build many apps in one process.
            gc.collect()
            gc.freeze()
        yield
    finally:
        if pool is not None:
            gc.unfreeze()
            pool.close()


def create_app(settings: EligibilitySettings | None = None) -> FastAPI:
    """Build the eligibility app from its settings (read from the environment when omitted)."""
    return build_app(
        settings or EligibilitySettings(),
        ServiceSpec(
            name="eligibility",
            domain_metrics=eligibility_metrics,
            event_types=EVENT_TYPES["eligibility"],
            title="carrots eligibility",
            description="Registers applicants, assesses them against the partner's tier policy and approves "
            "their entitlements. Personal data is encrypted at rest and never leaves in events.",
            metadata=Base.metadata,
            tables=tables,
            routers=[
                applicants_router,
                duplicates_router,
                policies_router,
                assessments_router,
                intake_router,
                sanctions_router,
                erasure_router,
            ],
            extra_lifespan=_eligibility_state,
            jobs=(INTAKE, RESCREENING),
        ),
    )
