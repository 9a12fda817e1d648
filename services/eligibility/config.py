"""Eligibility settings (environment prefix `ELIGIBILITY_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class EligibilitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ELIGIBILITY_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "eligibility"
    # Screening processes, each holding the sanctions index (the API's event loop then never screens): None for
    # one per core, at most two, outside the test environment (tests screen in process unless they set it).
    screening_processes: int | None = None
