"""Turn entitlements (bounties in tranches, monthly stipends) into an exact list of obligations."""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.payments.domain.errors import InvalidEntitlement
from services.payments.domain.money import Money
from services.payments.domain.splits import split_by_basis_points
from services.payments.domain.triggers import Trigger, TriggerKind, parse_trigger


@dataclass(frozen=True, slots=True)
class Tranche:
    """A share of a bounty, in basis points, released by its trigger."""

    basis_points: int
    trigger: Trigger


@dataclass(frozen=True, slots=True)
class BountyEntitlement:
    """A one-off bounty paid in tranches whose basis points add up to 10 000."""

    amount: Money
    tranches: Sequence[Tranche]


@dataclass(frozen=True, slots=True)
class StipendEntitlement:
    """A stipend of `monthly` paid every month for `months` months from `start`."""

    monthly: Money
    months: int
    start: date


Entitlement = BountyEntitlement | StipendEntitlement


@dataclass(frozen=True, slots=True)
class ObligationPlan:
    """One obligation to create: a stable key, its amount and what releases it."""

    key: str
    kind: str
    amount: Money
    trigger: Trigger
    due_on: date | None


def make_tranche(basis_points: int, trigger: str) -> Tranche:
    """Build a tranche from basis points and a trigger written as text."""
    return Tranche(basis_points, parse_trigger(trigger))


def add_months(start: date, months: int) -> date:
    """Return `start` moved by whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def plan_bounty(entitlement: BountyEntitlement, approved_on: date, index: int = 0) -> list[ObligationPlan]:
    """Split a bounty into tranche obligations whose amounts sum exactly to the bounty."""
    if entitlement.amount.minor <= 0:
        raise InvalidEntitlement("a bounty must be a positive amount")
    if not entitlement.tranches:
        raise InvalidEntitlement("a bounty needs at least one tranche")
    if any(tranche.basis_points <= 0 for tranche in entitlement.tranches):
        raise InvalidEntitlement("every tranche needs a positive share")
    parts = split_by_basis_points(
        entitlement.amount.minor,
        [tranche.basis_points for tranche in entitlement.tranches],
    )
    return [
        ObligationPlan(
            key=f"bounty:{index}:tranche:{number}",
            kind="bounty_tranche",
            amount=Money(part, entitlement.amount.currency),
            trigger=tranche.trigger,
            due_on=tranche.trigger.due_date(approved_on),
        )
        for number, (tranche, part) in enumerate(zip(entitlement.tranches, parts, strict=True))
    ]


def plan_stipend(entitlement: StipendEntitlement, index: int = 0) -> list[ObligationPlan]:
    """Return one obligation per stipend month, each due on its month's date from the start."""
    if entitlement.monthly.minor <= 0:
        raise InvalidEntitlement("a stipend must be a positive monthly amount")
    if not 1 <= entitlement.months <= 1200:
        raise InvalidEntitlement("a stipend runs for 1 to 1200 months")
    # Every due date is computed from the start, never from the previous one, so clamping in a
    # short month cannot drift later months (31 Jan -> 28 Feb -> 31 Mar, not 28 Mar).
    return [
        ObligationPlan(
            key=f"stipend:{index}:month:{month}",
            kind="stipend_month",
            amount=entitlement.monthly,
            trigger=Trigger(TriggerKind.STIPEND_MONTH),
            due_on=add_months(entitlement.start, month),
        )
        for month in range(entitlement.months)
    ]


def plan_obligations(entitlements: Sequence[Entitlement], approved_on: date) -> list[ObligationPlan]:
    """Turn every entitlement of one approval into obligations with stable, unique keys."""
    plans: list[ObligationPlan] = []
    for index, entitlement in enumerate(entitlements):
        if isinstance(entitlement, BountyEntitlement):
            plans.extend(plan_bounty(entitlement, approved_on, index))
        else:
            plans.extend(plan_stipend(entitlement, index))
    return plans


@dataclass(frozen=True, slots=True)
class FixedTranche:
    """A tranche whose amount was already fixed upstream (the approval event carries amounts)."""

    amount: Money
    trigger: Trigger


def plan_fixed_bounty(
    total: Money, tranches: Sequence[FixedTranche], approved_on: date, index: int = 0
) -> list[ObligationPlan]:
    """Check that fixed tranches add up exactly to the bounty and turn them into obligations.

    Zero-amount tranches are dropped: there is nothing to pay, so there is nothing to release.
    """
    if total.minor <= 0:
        raise InvalidEntitlement("a bounty must be a positive amount")
    if any(t.amount.currency != total.currency for t in tranches):
        raise InvalidEntitlement("every tranche must be in the bounty's currency")
    if any(t.amount.minor < 0 for t in tranches):
        raise InvalidEntitlement("a tranche cannot be negative")
    if sum(t.amount.minor for t in tranches) != total.minor:
        raise InvalidEntitlement("the tranches do not add up to the bounty")
    return [
        ObligationPlan(
            key=f"bounty:{index}:tranche:{number}",
            kind="bounty_tranche",
            amount=tranche.amount,
            trigger=tranche.trigger,
            due_on=tranche.trigger.due_date(approved_on),
        )
        for number, tranche in enumerate(tranches)
        if tranche.amount.minor > 0
    ]
