"""Payments settings (environment prefix `PAYMENTS_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.config import Environment, ServiceSettings


class PaymentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "payments"
    # Payouts above each threshold (minor units of the payout currency) need one more approver other
    # than their creator; "*" applies to currencies without their own list.
    approval_thresholds: dict[str, list[int]] = Field(default_factory=lambda: {"*": [100_000, 5_000_000]})
    # Ed25519 key (PKCS#8 PEM) that signs chain checkpoints; generated under var/keys/ in development.
    checkpoint_key_path: Path | None = None
    # How often the heads of all chains are signed; 0 turns the background signer off.
    checkpoint_interval_seconds: float = 300.0

    @model_validator(mode="after")
    def _refuse_generated_checkpoint_key_in_production(self) -> PaymentsSettings:
        if self.environment is Environment.production and self.checkpoint_key_path is None:
            raise ValueError("refusing to start in production: checkpoint_key_path must be set")
        return self

    def thresholds_for(self, currency: str) -> list[int]:
        """The approval thresholds of one currency, ascending."""
        return sorted(self.approval_thresholds.get(currency, self.approval_thresholds.get("*", [])))
