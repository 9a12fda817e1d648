"""Asylum service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.to_thread
from fastapi import FastAPI

from services.asylum.access.router import router as access_router
from services.asylum.applicant.router import router as applicant_router
from services.asylum.cases.credentials import BoundedHasher, SecretHasher
from services.asylum.cases.metrics import asylum_metrics
from services.asylum.cases.router import router
from services.asylum.cases.wording import CATALOGUE
from services.asylum.config import AsylumSettings
from services.asylum.family.router import router as family_router
from services.asylum.models import Base, tables
from services.asylum.pages.router import router as pages_router
from services.asylum.reports.router import router as reports_router
from shared.app import ServiceSpec, build_app
from shared.pages.router import install_pages
from shared.pages.site import PageSite
from shared.schemas.catalogue import EVENT_TYPES

PAGE_TEMPLATES = Path(__file__).parent / "pages" / "templates"

TAGS = [
    {"name": "cases", "description": "Cases, their life cycle, history, transfers and statistics (partners)."},
    {"name": "dependants", "description": "Family members on a case and their status (partners)."},
    {"name": "ngo access", "description": "Consent-based access for NGOs: grants, revocation, shared cases."},
    {"name": "applicant", "description": "The applicant's status lookup and consent, with reference and secret."},
]


def create_app(settings: AsylumSettings | None = None) -> FastAPI:
    """Build the asylum app from its settings (read from the environment when omitted)."""
    settings = settings or AsylumSettings()

    @asynccontextmanager
    async def asylum_lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.asylum_settings = settings
        # How a slowed failing lookup waits before its answer is sent.
        app.state.lookup_pause = anyio.sleep
        # Building the hasher makes its dummy hash, one full Argon2 run: keep it off the loop.
        hasher = await anyio.to_thread.run_sync(SecretHasher, settings.secret_hash_parameters())
        running, waiting = settings.secret_hash_slots()
        app.state.secret_hasher = BoundedHasher(hasher, running, waiting)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(app.state.secret_hasher.close)

    app = build_app(
        settings,
        ServiceSpec(
            name="asylum",
            domain_metrics=asylum_metrics,
            event_types=EVENT_TYPES["asylum"],
            title="carrots asylum",
            description=(
                "Asylum cases and their state machine, dependants, NGO access by consent and the "
                "applicant's status lookup."
            ),
            metadata=Base.metadata,
            tables=tables,
            routers=[router, family_router, access_router, applicant_router, reports_router, pages_router],
            openapi_tags=TAGS,
            extra_lifespan=asylum_lifespan,
        ),
    )
    install_pages(app, PageSite([PAGE_TEMPLATES], [CATALOGUE]))
    return app
