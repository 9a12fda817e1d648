"""Testimony settings (environment prefix `TESTIMONY_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class TestimonySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TESTIMONY_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "testimony"
