"""Registry dependency aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.registry.organisations.service import RegistryTools
from shared.config import Environment


def registry_tools(request: Request) -> RegistryTools:
    """The audit tables, publisher and production rule of this app."""
    state = request.app.state
    return RegistryTools(
        tables=state.tables,
        publisher=state.publisher,
        require_identity_provider=state.settings.environment is Environment.production,
    )


ToolsDep = Annotated[RegistryTools, Depends(registry_tools)]
