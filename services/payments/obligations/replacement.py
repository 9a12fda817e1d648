"""Replace, never pay twice: fit a later approval's obligations around what earlier approvals already paid.

Pure functions (no database): the service gathers what was kept from earlier approvals and applies the
result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.payments.domain.money import Money
from services.payments.domain.schedule import ObligationPlan, add_months

BOUNTY_KIND = "bounty_tranche"
STIPEND_KIND = "stipend_month"


@dataclass(frozen=True, slots=True)
class KeptObligation:
    """An obligation of an earlier approval that was paid or has a payout in flight, so it stands."""

    kind: str
    amount: Money


@dataclass(frozen=True, slots=True)
class FittedPlan:
    """An obligation to create for the new approval, with why it differs from the approval (if it does)."""

    plan: ObligationPlan
    note: str | None


@dataclass(frozen=True, slots=True)
class Credit:
    """What earlier approvals already paid, per currency: bounty money and stipend months."""

    bounty_minor: dict[str, int]
    stipend_months: dict[str, int]


def sum_credit(kept: Iterable[KeptObligation]) -> Credit:
    """Add up the bounty money and count the stipend months already paid, per currency."""
    bounty: dict[str, int] = defaultdict(int)
    months: dict[str, int] = defaultdict(int)
    for row in kept:
        if row.kind == BOUNTY_KIND:
            bounty[row.amount.currency] += row.amount.minor
        elif row.kind == STIPEND_KIND:
            months[row.amount.currency] += 1
    return Credit(dict(bounty), dict(months))


def describe_other_currencies(paid: dict[str, int], currency: str, unit: str) -> str | None:
    """A note naming what was paid in other currencies and is not offset, or None."""
    others = sorted((c, n) for c, n in paid.items() if c != currency and n > 0)
    if not others:
        return None
    listed = ", ".join(f"{n} {unit} in {c}" for c, n in others)
    return f"not offset: {listed} paid under earlier approvals (different currency)"


def join_notes(*notes: str | None) -> str | None:
    """Join the notes that exist with '; ', or None when there are none."""
    present = [n for n in notes if n]
    return "; ".join(present) if present else None


def fit_bounty(tranches: Sequence[ObligationPlan], paid: dict[str, int]) -> list[FittedPlan]:
    """Reduce the tranches by the bounty already paid in their currency, earliest tranche first.

    A tranche the payments cover in full is not created; a partly covered one is created for the rest.
    """
    if not tranches:
        return []
    currency = tranches[0].amount.currency
    credit = paid.get(currency, 0)
    foreign = describe_other_currencies(paid, currency, "minor units")
    fitted: list[FittedPlan] = []
    for plan in tranches:
        absorbed = min(credit, plan.amount.minor)
        credit -= absorbed
        rest = plan.amount.minor - absorbed
        if rest == 0:
            continue
        reduced = f"reduced by {absorbed} already paid under earlier approvals" if absorbed else None
        fitted.append(FittedPlan(replace(plan, amount=Money(rest, currency)), join_notes(reduced, foreign)))
    return fitted


def fit_stipend(months: Sequence[ObligationPlan], paid: dict[str, int], start: date) -> list[FittedPlan]:
    """Drop the months already paid in the stipend's currency; the rest run monthly from `start`.

    The months keep their number in the new promise (`stipend:0:month:3` is its fourth month) and are
    paid at the new monthly amount; the first remaining month is due on `start`.
    """
    if not months:
        return []
    currency = months[0].amount.currency
    done = min(paid.get(currency, 0), len(months))
    foreign = describe_other_currencies(paid, currency, "month(s)")
    counted = f"{done} month(s) already paid under earlier approvals" if done else None
    return [
        FittedPlan(replace(plan, due_on=add_months(start, number)), join_notes(counted, foreign))
        for number, plan in enumerate(months[done:])
    ]


def fit_plans(plans: Sequence[ObligationPlan], kept: Iterable[KeptObligation], approved_on: date) -> list[FittedPlan]:
    """The new approval's obligations once what earlier approvals paid counts toward them."""
    credit = sum_credit(kept)
    bounty = [p for p in plans if p.kind == BOUNTY_KIND]
    stipend = [p for p in plans if p.kind == STIPEND_KIND]
    others = [FittedPlan(p, None) for p in plans if p.kind not in {BOUNTY_KIND, STIPEND_KIND}]
    return fit_bounty(bounty, credit.bounty_minor) + fit_stipend(stipend, credit.stipend_months, approved_on) + others
