from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from services.payments.domain.money import Money
from services.payments.domain.schedule import (
    FixedTranche,
    ObligationPlan,
    StipendEntitlement,
    add_months,
    plan_fixed_bounty,
    plan_stipend,
)
from services.payments.domain.triggers import parse_trigger
from services.payments.obligations.replacement import KeptObligation, fit_plans

APPROVED_ON = date(2026, 5, 31)
TRIGGERS = ["approval", "verified_arrival", "asylum_granted", "days_after_approval:30"]


def paid_bounty(*amounts: int, currency: str = "USD") -> list[KeptObligation]:
    return [KeptObligation("bounty_tranche", Money(a, currency)) for a in amounts]


def paid_months(count: int, monthly: int = 1_000, currency: str = "USD") -> list[KeptObligation]:
    return [KeptObligation("stipend_month", Money(monthly, currency)) for _ in range(count)]


def bounty_plans(amounts: list[int], currency: str = "USD") -> list[ObligationPlan]:
    tranches = [FixedTranche(Money(a, currency), parse_trigger(TRIGGERS[i % 4])) for i, a in enumerate(amounts)]
    return plan_fixed_bounty(Money(sum(amounts), currency), tranches, APPROVED_ON)


@given(
    amounts=st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=6),
    paid=st.lists(st.integers(min_value=1, max_value=10**9), max_size=4),
)
def test_a_new_bounty_plus_what_was_paid_is_never_more_than_the_larger_of_the_two(
    amounts: list[int], paid: list[int]
) -> None:
    fitted = fit_plans(bounty_plans(amounts), paid_bounty(*paid), APPROVED_ON)
    total, already = sum(amounts), sum(paid)
    assert sum(f.plan.amount.minor for f in fitted) == max(0, total - already)
    assert all(f.plan.amount.minor > 0 for f in fitted)


@given(
    amounts=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=6),
    paid=st.integers(min_value=0, max_value=10**7),
)
def test_paid_money_is_absorbed_by_the_earliest_tranches_first(amounts: list[int], paid: int) -> None:
    plans = bounty_plans(amounts)
    fitted = fit_plans(plans, paid_bounty(paid) if paid else [], APPROVED_ON)
    # What remains is a tail of the tranches; only its first one may be reduced.
    tail = plans[len(plans) - len(fitted) :]
    assert [f.plan.key for f in fitted] == [p.key for p in tail]
    assert [f.plan.amount for f in fitted[1:]] == [p.amount for p in tail[1:]]


def test_a_fully_covered_tranche_is_not_created_and_a_reduced_one_says_why() -> None:
    fitted = fit_plans(bounty_plans([300, 500, 200]), paid_bounty(100, 250), APPROVED_ON)
    assert [(f.plan.key, f.plan.amount.minor, f.note) for f in fitted] == [
        ("bounty:0:tranche:1", 450, "reduced by 50 already paid under earlier approvals"),
        ("bounty:0:tranche:2", 200, None),
    ]


def test_money_paid_in_another_currency_is_kept_apart_and_noted() -> None:
    fitted = fit_plans(bounty_plans([300, 700], "EUR"), paid_bounty(300, currency="USD"), APPROVED_ON)
    assert [f.plan.amount.minor for f in fitted] == [300, 700]
    assert {f.note for f in fitted} == {
        "not offset: 300 minor units in USD paid under earlier approvals (different currency)"
    }


@given(
    months=st.integers(min_value=1, max_value=36),
    done=st.integers(min_value=0, max_value=40),
    monthly=st.integers(min_value=1, max_value=10**6),
)
def test_the_remaining_stipend_months_run_monthly_from_the_new_approval_at_the_new_amount(
    months: int, done: int, monthly: int
) -> None:
    plans = plan_stipend(StipendEntitlement(Money(monthly, "USD"), months, APPROVED_ON))
    fitted = fit_plans(plans, paid_months(done, monthly=monthly + 7), APPROVED_ON)
    assert len(fitted) == max(0, months - done)
    assert [f.plan.due_on for f in fitted] == [add_months(APPROVED_ON, n) for n in range(len(fitted))]
    assert [f.plan.key for f in fitted] == [f"stipend:0:month:{n}" for n in range(min(done, months), months)]
    assert {f.plan.amount.minor for f in fitted} <= {monthly}


def test_bounty_money_never_counts_toward_stipend_months() -> None:
    plans = plan_stipend(StipendEntitlement(Money(1_000, "USD"), 3, APPROVED_ON))
    fitted = fit_plans(plans, paid_bounty(5_000), APPROVED_ON)
    assert [(f.plan.amount.minor, f.note) for f in fitted] == [(1_000, None)] * 3
