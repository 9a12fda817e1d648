"""Asylum service."""

from __future__ import annotations

from fastapi import FastAPI

from services.asylum.config import AsylumSettings
from services.asylum.models import Base, tables
from services.asylum.router import router
from shared.app import ServiceSpec, build_app


def create_app(settings: AsylumSettings | None = None) -> FastAPI:
    """Build the asylum app from its settings (read from the environment when omitted)."""
    return build_app(
        settings or AsylumSettings(),
        ServiceSpec(
            name="asylum",
            title="carrots asylum",
            description=(
                "Asylum cases and their state machine, dependants, NGO access by consent and the "
                "applicant's status lookup."
            ),
            metadata=Base.metadata,
            tables=tables,
            routers=[router],
        ),
    )
