"""Payments settings (environment prefix `PAYMENTS_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, NonNegativeInt, model_validator
from pydantic_settings import SettingsConfigDict

from services.payments.domain.currencies import exponent_of
from services.payments.domain.errors import UnknownCurrency
from shared.config import Environment, ServiceSettings

# The service name in the type of the events announcing changes: `payments.<resource>.<action>`.
SERVICE = "payments"


class PaymentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "payments"
    # A payout above each threshold needs one more approver other than its creator. Thresholds given per
    # currency are in that currency's minor units; the default for every other currency is in major units,
    # so one figure means the same sum in JPY (exponent 0), USD (2) and KWD (3).
    approval_thresholds: dict[str, list[NonNegativeInt]] = Field(
        default_factory=dict,
        description="Per ISO 4217 currency, approval thresholds in MINOR units of that currency, e.g. "
        '{"USD": [100000, 5000000]} (USD 1,000 and 50,000). A payout above each threshold needs one more '
        "approver other than its creator. Currencies not listed use `approval_default_thresholds_major`.",
    )
    approval_default_thresholds_major: list[NonNegativeInt] = Field(
        default_factory=lambda: [1_000, 50_000],
        description="The `*` default: approval thresholds in MAJOR units (1000 = USD 1,000, JPY 1,000, KWD 1,000) "
        "for every currency without its own list, converted with the currency's ISO 4217 exponent.",
    )
    # Ed25519 key (PKCS#8 PEM) that signs chain checkpoints; generated under var/keys/ in development.
    checkpoint_key_path: Path | None = None
    # How often the worker signs the heads of all chains; 0 turns the signer off.
    checkpoint_interval_seconds: float = 300.0
    # How often the worker releases what fell due (stipend months, delayed tranches); 0 turns it off.
    release_due_interval_seconds: float = 600.0

    @model_validator(mode="after")
    def _refuse_generated_checkpoint_key_in_production(self) -> PaymentsSettings:
        if self.environment is Environment.production and self.checkpoint_key_path is None:
            raise ValueError("refusing to start in production: checkpoint_key_path must be set")
        return self

    @model_validator(mode="after")
    def _refuse_thresholds_of_unknown_currencies(self) -> PaymentsSettings:
        for code in self.approval_thresholds:
            if code == "*":
                # A bare "*" used to be minor units of whatever currency: refuse it rather than guess.
                raise ValueError(
                    "approval_thresholds takes ISO 4217 codes only; give the default for other currencies "
                    "in approval_default_thresholds_major (major units)"
                )
            try:
                exponent_of(code)
            except UnknownCurrency:
                raise ValueError(f"approval_thresholds: {code!r} is not an ISO 4217 currency code") from None
        return self

    def thresholds_for(self, currency: str) -> list[int]:
        """The approval thresholds of one currency in its minor units, ascending."""
        if currency in self.approval_thresholds:
            return sorted(self.approval_thresholds[currency])
        scale = 10 ** exponent_of(currency)
        return sorted(major * scale for major in self.approval_default_thresholds_major)
