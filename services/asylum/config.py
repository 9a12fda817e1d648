"""Asylum settings (environment prefix `ASYLUM_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class AsylumSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASYLUM_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "asylum"
