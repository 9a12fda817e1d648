"""Testimony service."""

from __future__ import annotations

from fastapi import FastAPI

from services.testimony.config import TestimonySettings
from services.testimony.models import Base, tables
from services.testimony.router import router
from shared.app import ServiceSpec, build_app


def create_app(settings: TestimonySettings | None = None) -> FastAPI:
    """Build the testimony app from its settings (read from the environment when omitted)."""
    return build_app(
        settings or TestimonySettings(),
        ServiceSpec(
            name="testimony",
            title="carrots testimony",
            description=(
                "Testimonies with sealed originals, granular revocable consent, reviewed redactions and "
                "signed publication. Never a condition for anything."
            ),
            metadata=Base.metadata,
            tables=tables,
            routers=[router],
        ),
    )
