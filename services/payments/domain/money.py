"""Money as an integer number of minor units of one ISO 4217 currency."""

from dataclasses import dataclass
from decimal import Decimal

from services.payments.domain.currencies import exponent_of
from services.payments.domain.errors import AmountTooPrecise, CurrencyMismatch


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: `minor` units (cents, yen, fils) of `currency`."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; a True amount is always a bug.
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int of minor units")
        exponent_of(self.currency)

    def __add__(self, other: "Money") -> "Money":
        _require_same_currency(self, other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        _require_same_currency(self, other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.minor, self.currency)

    def to_decimal(self) -> Decimal:
        """Return the amount in major units as an exact Decimal (12345 USD minor -> 123.45)."""
        return Decimal(self.minor).scaleb(-exponent_of(self.currency))

    def format_plain(self) -> str:
        """Return the major-unit amount with exactly the currency's digits, e.g. '0.050' for KWD."""
        exponent = exponent_of(self.currency)
        return f"{self.to_decimal():.{exponent}f}"


def money_from_decimal(amount: Decimal | str, currency: str) -> Money:
    """Build Money from a major-unit decimal, refusing digits the currency does not have."""
    value = Decimal(amount)
    if not value.is_finite():
        raise AmountTooPrecise(f"amount {amount!r} is not a finite number")
    scaled = value.scaleb(exponent_of(currency))
    if scaled != scaled.to_integral_value():
        raise AmountTooPrecise(f"{amount} has more decimals than {currency} allows")
    return Money(int(scaled), currency)


def sum_money(amounts: list[Money], currency: str) -> Money:
    """Add amounts that must all be in `currency`; the empty sum is zero."""
    total = Money(0, currency)
    for amount in amounts:
        total = total + amount
    return total


def _require_same_currency(left: Money, right: Money) -> None:
    if left.currency != right.currency:
        raise CurrencyMismatch(f"cannot combine {left.currency} with {right.currency}")
