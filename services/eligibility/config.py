"""Eligibility settings (environment prefix `ELIGIBILITY_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class EligibilitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ELIGIBILITY_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "eligibility"
