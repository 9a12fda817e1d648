"""The lockout message names the real wait, in minutes rounded up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.asylum.applicant.throttle import describe_lockout


@pytest.mark.parametrize(
    ("seconds_left", "wait"),
    [(1, "1 minute"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes"), (3600, "60 minutes")],
)
def test_the_lockout_message_names_the_wait_in_minutes(seconds_left: int, wait: str) -> None:
    assert f"Wait {wait} before" in describe_lockout(seconds_left)


@given(st.integers(1, 7 * 24 * 3600))
def test_the_wait_named_is_never_shorter_than_the_time_left(seconds_left: int) -> None:
    words = describe_lockout(seconds_left).split("Wait ", 1)[1].split()
    assert int(words[0]) * 60 >= seconds_left
    assert (int(words[0]) - 1) * 60 < seconds_left
