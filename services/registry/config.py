"""Registry settings (environment prefix `REGISTRY_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "registry"
