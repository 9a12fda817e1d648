"""Eligibility service: applicants, tier policies, assessments, approvals and screening."""

from __future__ import annotations

from fastapi import FastAPI

from services.eligibility.config import EligibilitySettings
from services.eligibility.models import Base, tables
from services.eligibility.router import router
from shared.app import ServiceSpec, build_app


def create_app(settings: EligibilitySettings | None = None) -> FastAPI:
    """Build the eligibility app from its settings (read from the environment when omitted)."""
    return build_app(
        settings or EligibilitySettings(),
        ServiceSpec(
            name="eligibility",
            title="carrots eligibility",
            description="Registers applicants, assesses them against the partner's tier policy and approves "
            "their entitlements. Personal data is encrypted at rest and never leaves in events.",
            metadata=Base.metadata,
            tables=tables,
            routers=[router],
        ),
    )
