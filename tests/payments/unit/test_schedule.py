from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.domain.errors import InvalidEntitlement, InvalidTrigger
from services.payments.domain.money import Money
from services.payments.domain.schedule import (
    BountyEntitlement,
    FixedTranche,
    StipendEntitlement,
    add_months,
    make_tranche,
    plan_fixed_bounty,
    plan_obligations,
)
from services.payments.domain.triggers import TriggerKind, parse_trigger

APPROVED_ON = date(2026, 3, 10)


def test_bounty_tranches_wait_for_their_triggers() -> None:
    bounty = BountyEntitlement(
        Money(10_000_000, "USD"),
        [
            make_tranche(2_500, "verified_arrival"),
            make_tranche(7_500, "asylum_granted"),
        ],
    )
    first, second = plan_obligations([bounty], APPROVED_ON)
    assert (first.amount.minor, first.trigger.kind, first.due_on) == (
        2_500_000,
        TriggerKind.VERIFIED_ARRIVAL,
        None,
    )
    assert (second.amount.minor, second.trigger.kind, second.due_on) == (
        7_500_000,
        TriggerKind.ASYLUM_GRANTED,
        None,
    )
    assert first.trigger.waits_for_event
    assert second.trigger.waits_for_event


def test_date_triggers_have_due_dates_from_the_approval() -> None:
    bounty = BountyEntitlement(
        Money(500_000_000, "RUB"),
        [
            make_tranche(5_000, "approval"),
            make_tranche(5_000, "days_after_approval:30"),
        ],
    )
    now, later = plan_obligations([bounty], APPROVED_ON)
    assert now.due_on == APPROVED_ON
    assert later.due_on == date(2026, 4, 9)
    assert str(later.trigger) == "days_after_approval:30"
    assert not later.trigger.waits_for_event


@pytest.mark.parametrize(
    "text",
    [
        "",
        "granted",
        "days_after_approval:",
        "days_after_approval:-1",
        "days_after_approval:01",
        "APPROVAL",
    ],
)
def test_unknown_triggers_are_refused(text: str) -> None:
    with pytest.raises(InvalidTrigger):
        parse_trigger(text)


def test_stipend_months_are_counted_from_the_start_without_drift() -> None:
    stipend = StipendEntitlement(Money(300_000, "EUR"), months=4, start=date(2026, 1, 31))
    due = [plan.due_on for plan in plan_obligations([stipend], APPROVED_ON)]
    assert due == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]


def test_stipend_crosses_years_and_leap_days() -> None:
    assert add_months(date(2027, 12, 29), 2) == date(2028, 2, 29)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


@given(
    st.integers(1, 10**12),
    st.lists(st.integers(1, 100), min_size=1, max_size=6),
)
def test_bounty_obligations_sum_exactly_to_the_bounty(total: int, raw_weights: list[int]) -> None:
    # Scale arbitrary positive weights into basis points that add up to exactly 10 000.
    basis_points = [w * 10_000 // sum(raw_weights) for w in raw_weights]
    basis_points[0] += 10_000 - sum(basis_points)
    if any(bp <= 0 for bp in basis_points):
        return
    bounty = BountyEntitlement(Money(total, "JPY"), [make_tranche(bp, "approval") for bp in basis_points])
    plans = plan_obligations([bounty], APPROVED_ON)
    assert sum(plan.amount.minor for plan in plans) == total


@given(
    st.integers(1, 10**9),
    st.integers(1, 240),
    st.dates(date(2000, 1, 1), date(2090, 12, 31)),
)
def test_stipend_obligations_total_monthly_times_months(monthly: int, months: int, start: date) -> None:
    plans = plan_obligations([StipendEntitlement(Money(monthly, "USD"), months, start)], APPROVED_ON)
    assert sum(plan.amount.minor for plan in plans) == monthly * months
    due = [plan.due_on for plan in plans if plan.due_on is not None]
    assert len(due) == months
    assert due == sorted(set(due))


def test_obligation_keys_are_unique_across_entitlements() -> None:
    plans = plan_obligations(
        [
            BountyEntitlement(Money(100, "USD"), [make_tranche(10_000, "approval")]),
            StipendEntitlement(Money(100, "USD"), 3, APPROVED_ON),
            StipendEntitlement(Money(200, "USD"), 3, APPROVED_ON),
        ],
        APPROVED_ON,
    )
    assert len({plan.key for plan in plans}) == len(plans) == 7


@pytest.mark.parametrize(
    "entitlement",
    [
        BountyEntitlement(Money(0, "USD"), [make_tranche(10_000, "approval")]),
        BountyEntitlement(Money(100, "USD"), []),
        BountyEntitlement(
            Money(100, "USD"),
            [make_tranche(0, "approval"), make_tranche(10_000, "approval")],
        ),
        StipendEntitlement(Money(100, "USD"), 0, APPROVED_ON),
        StipendEntitlement(Money(-1, "USD"), 3, APPROVED_ON),
    ],
)
def test_empty_or_negative_entitlements_are_refused(
    entitlement: BountyEntitlement | StipendEntitlement,
) -> None:
    with pytest.raises(InvalidEntitlement):
        plan_obligations([entitlement], APPROVED_ON)


def test_fixed_tranches_from_the_approval_event_must_add_up() -> None:
    total = Money(1_000, "USD")
    good = [
        FixedTranche(Money(250, "USD"), parse_trigger("verified_arrival")),
        FixedTranche(Money(750, "USD"), parse_trigger("asylum_granted")),
    ]
    assert [p.amount.minor for p in plan_fixed_bounty(total, good, APPROVED_ON)] == [250, 750]
    with pytest.raises(InvalidEntitlement):
        plan_fixed_bounty(total, good[:1], APPROVED_ON)
    with pytest.raises(InvalidEntitlement):
        plan_fixed_bounty(total, [FixedTranche(Money(1_000, "EUR"), parse_trigger("approval"))], APPROVED_ON)


def test_zero_amount_tranches_create_no_obligation() -> None:
    tranches = [
        FixedTranche(Money(0, "USD"), parse_trigger("approval")),
        FixedTranche(Money(5, "USD"), parse_trigger("approval")),
    ]
    plans = plan_fixed_bounty(Money(5, "USD"), tranches, APPROVED_ON)
    assert [(p.key, p.amount.minor) for p in plans] == [("bounty:0:tranche:1", 5)]
