"""A failing address waits longer with each failure past its free ones, never forever."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.asylum.applicant.throttle import ThrottlePolicy, failure_delay


def policy(free: int = 3, delay: float = 1.0, cap: float = 30.0) -> ThrottlePolicy:
    return ThrottlePolicy(
        key=b"k" * 32,
        window=timedelta(minutes=15),
        max_per_reference=5,
        lockout=timedelta(hours=1),
        free_per_client=free,
        failure_delay=delay,
        max_failure_delay=cap,
    )


def test_the_wait_doubles_after_the_free_failures_up_to_the_cap() -> None:
    assert [failure_delay(policy(), n) for n in range(1, 11)] == [0, 0, 0, 1, 2, 4, 8, 16, 30, 30]


@given(st.integers(0, 10**9), st.integers(0, 50), st.floats(0, 100), st.floats(0, 600))
def test_the_wait_never_shrinks_with_more_failures_and_never_passes_the_cap(
    failures: int, free: int, delay: float, cap: float
) -> None:
    rules = policy(free, delay, cap)
    assert 0 <= failure_delay(rules, failures) <= failure_delay(rules, failures + 1) <= cap
