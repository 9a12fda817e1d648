"""Payments settings (environment prefix `PAYMENTS_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class PaymentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "payments"
