"""Registry service: the organisations the deployment serves."""

from __future__ import annotations

from fastapi import FastAPI

from services.registry.config import RegistrySettings
from services.registry.models import Base, tables
from services.registry.organisations.router import router
from shared.app import ServiceSpec, build_app

# What the registry announces (through its outbox, to peers that subscribe); it refuses to publish anything else.
EVENT_TYPES = frozenset(
    f"registry.organisation.{action}" for action in ("created", "updated", "suspended", "reactivated")
)

TAGS = [
    {
        "name": "organisations",
        "description": "Partners, NGOs and auditors: their identity providers, currencies, mandates and history.",
    },
]


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    """Build the registry app from its settings (read from the environment when omitted)."""
    settings = settings or RegistrySettings()
    return build_app(
        settings,
        ServiceSpec(
            name="registry",
            title="carrots registry",
            description=(
                "The organisations the deployment serves (partners, NGOs, auditors), managed by operators; every "
                "service caches its snapshot and refuses organisations it does not list."
            ),
            metadata=Base.metadata,
            tables=tables,
            routers=[router],
            openapi_tags=TAGS,
            event_types=EVENT_TYPES,
            consults_registry=False,
        ),
    )
