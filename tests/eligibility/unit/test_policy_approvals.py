"""Approval thresholds: distinct approvers grow with the total value."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.eligibility.policies.engine.document import Approvals, ApprovalThreshold

APPROVALS = Approvals(
    minimum_approvers=1,
    thresholds=[
        ApprovalThreshold(currency="USD", total_at_least=5_000_000, approvers=2),
        ApprovalThreshold(currency="USD", total_at_least=25_000_000, approvers=3),
        ApprovalThreshold(currency="EUR", total_at_least=4_000_000, approvers=2),
    ],
)


def test_approvers_step_up_exactly_at_each_threshold() -> None:
    assert APPROVALS.approvers_for({}) == 1
    assert APPROVALS.approvers_for({"USD": 4_999_999}) == 1
    assert APPROVALS.approvers_for({"USD": 5_000_000}) == 2
    assert APPROVALS.approvers_for({"USD": 24_999_999}) == 2
    assert APPROVALS.approvers_for({"USD": 25_000_000}) == 3


def test_the_currency_needing_most_approvers_decides() -> None:
    assert APPROVALS.approvers_for({"USD": 100, "EUR": 4_000_000}) == 2
    assert APPROVALS.approvers_for({"USD": 30_000_000, "EUR": 4_000_000}) == 3


@given(smaller=st.integers(min_value=0, max_value=10**10), extra=st.integers(min_value=0, max_value=10**10))
def test_a_larger_total_never_needs_fewer_approvers(smaller: int, extra: int) -> None:
    assert APPROVALS.approvers_for({"USD": smaller}) <= APPROVALS.approvers_for({"USD": smaller + extra})
