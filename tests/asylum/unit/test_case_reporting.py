"""Partner statistics: counts, medians and monthly decisions from transition records only."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from services.asylum.cases.reporting import (
    TransitionRecord,
    compute_median_days_per_state,
    count_cases_by_state,
    count_decisions_per_month,
)
from services.asylum.cases.states import (
    DECISION_STATES,
    INITIAL_STATE,
    CaseState,
    list_allowed_transitions,
)

S = CaseState
START = datetime(2026, 1, 1, tzinfo=UTC)


def history(case_id: uuid.UUID, *steps: tuple[CaseState, int]) -> list[TransitionRecord]:
    """Records for one case; each step is (state, days after 1 January 2026)."""
    return [TransitionRecord(case_id, state, START + timedelta(days=day)) for state, day in steps]


@st.composite
def case_histories(draw: st.DrawFn) -> list[TransitionRecord]:
    """A legal path through the life cycle with random gaps between its steps."""
    case_id = uuid.uuid4()
    state = INITIAL_STATE
    moment = START + timedelta(hours=draw(st.integers(0, 24 * 365)))
    records = [TransitionRecord(case_id, state, moment)]
    for _ in range(draw(st.integers(0, 10))):
        allowed = list_allowed_transitions(state, citizenship_path=True)
        if not allowed:
            break
        state = draw(st.sampled_from(allowed))
        moment += timedelta(hours=draw(st.integers(1, 24 * 90)))
        records.append(TransitionRecord(case_id, state, moment))
    return records


def test_cases_are_counted_in_their_current_state_with_every_state_listed() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    records = [
        *history(a, (S.REGISTERED, 0), (S.LODGED, 3)),
        *history(b, (S.REGISTERED, 1)),
        *history(c, (S.REGISTERED, 0), (S.LODGED, 1), (S.WITHDRAWN, 2)),
    ]
    counts = count_cases_by_state(records)
    assert set(counts) == set(CaseState)
    assert counts[S.REGISTERED] == 1
    assert counts[S.LODGED] == 1
    assert counts[S.WITHDRAWN] == 1
    assert sum(counts.values()) == 3


def test_record_order_does_not_matter() -> None:
    a = uuid.uuid4()
    records = history(a, (S.REGISTERED, 0), (S.LODGED, 4), (S.INTERVIEW_SCHEDULED, 9))
    assert count_cases_by_state(reversed(records)) == count_cases_by_state(records)
    assert compute_median_days_per_state(reversed(records)) == compute_median_days_per_state(records)


def test_median_days_count_only_stays_that_ended() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    records = [
        *history(a, (S.REGISTERED, 0), (S.LODGED, 2), (S.INTERVIEW_SCHEDULED, 12)),
        *history(b, (S.REGISTERED, 0), (S.LODGED, 4)),
        *history(c, (S.REGISTERED, 0), (S.LODGED, 9)),
    ]
    medians = compute_median_days_per_state(records)
    assert medians == {S.REGISTERED: 4.0, S.LODGED: 10.0}


def test_a_transfer_that_repeats_the_state_does_not_split_the_stay() -> None:
    a = uuid.uuid4()
    records = history(a, (S.REGISTERED, 0), (S.LODGED, 1), (S.LODGED, 5), (S.INTERVIEWED, 0))
    records[-1] = TransitionRecord(a, S.INTERVIEW_SCHEDULED, START + timedelta(days=11))
    assert compute_median_days_per_state(records)[S.LODGED] == 10.0


def test_decisions_are_counted_in_the_utc_month_they_were_made() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    late_evening_in_new_york = datetime(2026, 3, 31, 21, 0, tzinfo=timezone(timedelta(hours=-5)))
    records = [
        *history(a, (S.REGISTERED, 0), (S.INTERVIEWED, 30)),
        TransitionRecord(a, S.GRANTED, late_evening_in_new_york),
        *history(b, (S.REGISTERED, 0), (S.INTERVIEWED, 20), (S.REFUSED, 40)),
        TransitionRecord(b, S.APPEAL_LODGED, START + timedelta(days=45)),
        TransitionRecord(b, S.APPEAL_REFUSED, START + timedelta(days=80)),
    ]
    assert count_decisions_per_month(records) == {
        "2026-02": {S.REFUSED: 1},
        "2026-03": {S.APPEAL_REFUSED: 1},
        "2026-04": {S.GRANTED: 1},
    }


@given(st.lists(case_histories(), max_size=15))
def test_every_case_is_counted_once(histories: list[list[TransitionRecord]]) -> None:
    records = [r for h in histories for r in h]
    cases = {r.case_id for r in records}
    counts = count_cases_by_state(records)
    assert sum(counts.values()) == len(cases)


@given(st.lists(case_histories(), max_size=15))
def test_every_decision_record_lands_in_exactly_one_month(
    histories: list[list[TransitionRecord]],
) -> None:
    records = [r for h in histories for r in h]
    per_month = count_decisions_per_month(records)
    total = sum(n for month in per_month.values() for n in month.values())
    assert total == sum(1 for r in records if r.to_state in DECISION_STATES)
    assert all(state in DECISION_STATES for month in per_month.values() for state in month)


@given(st.lists(case_histories(), min_size=1, max_size=15))
def test_medians_lie_within_the_observed_stays(histories: list[list[TransitionRecord]]) -> None:
    stays: dict[CaseState, list[float]] = {}
    for h in histories:
        for here, nxt in itertools.pairwise(h):
            days = (nxt.at - here.at).total_seconds() / 86_400
            stays.setdefault(here.to_state, []).append(days)
    medians = compute_median_days_per_state([r for h in histories for r in h])
    assert set(medians) == set(stays)
    for state, median in medians.items():
        assert min(stays[state]) - 0.05 <= median <= max(stays[state]) + 0.05


def test_statistics_carry_no_case_identifiers() -> None:
    a = uuid.uuid4()
    records = history(a, (S.REGISTERED, 0), (S.LODGED, 1), (S.INTERVIEWED, 2), (S.GRANTED, 3))
    for figures in (
        count_cases_by_state(records),
        compute_median_days_per_state(records),
        count_decisions_per_month(records),
    ):
        assert str(a) not in repr(figures)
