"""Currency codes, minor-unit formatting and exact splitting of amounts."""

from __future__ import annotations

from shared.money import BASIS_POINTS_WHOLE, EXPONENTS, UnknownCurrency, exponent_of, split_by_basis_points

__all__ = [
    "BASIS_POINTS_WHOLE",
    "UnknownCurrency",
    "format_money",
    "split_by_basis_points",
    "validate_currency",
]


def validate_currency(code: str) -> str:
    """Return the code if it is a payable ISO 4217 currency, else raise UnknownCurrency."""
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        raise UnknownCurrency(f"'{code}' is not an ISO 4217 code: use three capital letters such as USD or EUR")
    if code not in EXPONENTS:
        raise UnknownCurrency(f"'{code}' is not a payable ISO 4217 currency: use a code such as USD or EUR")
    return code


def format_money(amount_minor: int, currency: str) -> str:
    """Render an amount in minor units for people, e.g. 'USD 100,000.00'."""
    exponent = exponent_of(currency)
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 10**exponent)
    text = f"{major:,}"
    if exponent:
        text += f".{minor:0{exponent}d}"
    return f"{currency} {sign}{text}"
