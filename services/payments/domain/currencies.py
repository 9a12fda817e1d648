"""ISO 4217 minor-unit exponents, from the table every service shares, raising payments' own error."""

from __future__ import annotations

from services.payments.domain.errors import UnknownCurrency
from shared import money
from shared.money import EXPONENTS

__all__ = ["EXPONENTS", "exponent_of"]


def exponent_of(currency: str) -> int:
    """Return the number of minor-unit digits of an ISO 4217 currency code."""
    try:
        return money.exponent_of(currency)
    except money.UnknownCurrency as exc:
        raise UnknownCurrency(f"unknown ISO 4217 currency code: {currency!r}") from exc
