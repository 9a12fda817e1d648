"""Currency conversion at a recorded decimal rate, with the rounding residue kept exactly."""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Context, Decimal, Inexact, localcontext

from services.payments.domain.currencies import exponent_of
from services.payments.domain.errors import InvalidFxRate
from services.payments.domain.money import Money


@dataclass(frozen=True, slots=True)
class FxRate:
    """One unit of `base` is worth `rate` units of `quote`, per `source` at `observed_at`."""

    base: str
    quote: str
    rate: Decimal
    source: str
    observed_at: datetime

    def __post_init__(self) -> None:
        exponent_of(self.base)
        exponent_of(self.quote)
        if self.base == self.quote:
            raise InvalidFxRate("a rate needs two different currencies")
        if not self.rate.is_finite() or self.rate <= 0:
            raise InvalidFxRate("a rate must be a positive finite decimal")
        if not self.source.strip():
            raise InvalidFxRate("a rate must name its source")
        if self.observed_at.tzinfo is None:
            raise InvalidFxRate("a rate's time must carry a time zone")


@dataclass(frozen=True, slots=True)
class Conversion:
    """A conversion: what went in, what came out and the exact part lost to rounding.

    `exact_minor` is the unrounded result in minor units of the quote currency, and
    `residue_minor = exact_minor - converted.minor`, exact, between -1/2 and +1/2.
    """

    source: Money
    converted: Money
    rate: FxRate
    exact_minor: Decimal
    residue_minor: Decimal


def convert_money(amount: Money, rate: FxRate) -> Conversion:
    """Convert `amount` (in the rate's base) to the quote currency, rounding half to even."""
    if amount.currency != rate.base:
        raise InvalidFxRate(f"rate converts {rate.base}, not {amount.currency}")
    shift = exponent_of(rate.quote) - exponent_of(rate.base)
    # Enough digits for any product of the two operands, and a trap that proves it stayed exact.
    digits = len(str(abs(amount.minor))) + len(rate.rate.as_tuple().digits) + abs(shift) + 2
    with localcontext(Context(prec=digits, traps=[Inexact])):
        exact = (Decimal(amount.minor) * rate.rate).scaleb(shift)
        rounded = exact.to_integral_value(rounding=ROUND_HALF_EVEN)
        residue = exact - rounded
    return Conversion(amount, Money(int(rounded), rate.quote), rate, exact, residue)


@dataclass(frozen=True, slots=True)
class FxCost:
    """What paying `target` costs in the rate's base currency, split for posting.

    `debit` is what the funding account pays: the exact cost rounded up, so a payout is never
    under-funded. It is posted as `at_rate` (the exact cost rounded half to even) to the FX account
    and `rounding` (0 or 1 minor unit) to the FX rounding account. `residue_minor` is the exact,
    unrounded difference between `debit` and the exact cost.
    """

    target: Money
    debit: Money
    at_rate: Money
    rounding: Money
    rate: FxRate
    exact_minor: Decimal
    residue_minor: Decimal


def cost_in_base(target: Money, rate: FxRate) -> FxCost:
    """Return what paying `target` (in the rate's quote currency) costs in the base currency."""
    if target.currency != rate.quote:
        raise InvalidFxRate(f"rate pays out {rate.quote}, not {target.currency}")
    shift = exponent_of(rate.base) - exponent_of(rate.quote)
    # Division cannot always be exact; 60 digits keep any residue far below a minor unit.
    with localcontext(Context(prec=60)):
        exact = (Decimal(target.minor) / rate.rate).scaleb(shift)
        debit = exact.to_integral_value(rounding=ROUND_CEILING)
        at_rate = exact.to_integral_value(rounding=ROUND_HALF_EVEN)
        residue = debit - exact
    return FxCost(
        target=target,
        debit=Money(int(debit), rate.base),
        at_rate=Money(int(at_rate), rate.base),
        rounding=Money(int(debit - at_rate), rate.base),
        rate=rate,
        exact_minor=exact,
        residue_minor=residue,
    )
