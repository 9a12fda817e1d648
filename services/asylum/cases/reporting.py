"""Partner statistics computed from transition records alone, so no personal data enters.

Each record says that one case entered one state at one moment.  A case's first record is
its opening (`registered`); a record that repeats the current state (a transfer to another
partner, say) does not start a new stay.
"""

import itertools
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.asylum.cases.states import DECISION_STATES, CaseState

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One case entering one state at one moment (naive datetimes are taken as UTC)."""

    case_id: uuid.UUID
    to_state: CaseState
    at: datetime


def _stays_by_case(
    records: Iterable[TransitionRecord],
) -> dict[uuid.UUID, list[tuple[CaseState, datetime]]]:
    """Group records per case in time order, dropping records that repeat the state."""
    grouped: dict[uuid.UUID, list[TransitionRecord]] = defaultdict(list)
    for record in records:
        grouped[record.case_id].append(record)
    stays: dict[uuid.UUID, list[tuple[CaseState, datetime]]] = {}
    for case_id, case_records in grouped.items():
        ordered = sorted(case_records, key=lambda r: r.at)
        entries: list[tuple[CaseState, datetime]] = []
        for record in ordered:
            if not entries or entries[-1][0] != record.to_state:
                # Months are counted in UTC, whatever zone a record was given in.
                entries.append((record.to_state, record.at.astimezone(UTC)))
        stays[case_id] = entries
    return stays


def count_cases_by_state(records: Iterable[TransitionRecord]) -> dict[CaseState, int]:
    """Count cases by the state each is in now; every state appears, zero included."""
    counts = Counter(entries[-1][0] for entries in _stays_by_case(records).values())
    return {state: counts.get(state, 0) for state in CaseState}


def collect_stay_days(records: Iterable[TransitionRecord]) -> dict[CaseState, list[float]]:
    """Days of every stay that ended, per state; states without one omitted."""
    durations: dict[CaseState, list[float]] = defaultdict(list)
    for entries in _stays_by_case(records).values():
        for (state, entered), (_, left) in itertools.pairwise(entries):
            durations[state].append((left - entered).total_seconds() / SECONDS_PER_DAY)
    return {state: durations[state] for state in CaseState if durations.get(state)}


def compute_median_days(days: Sequence[float]) -> float:
    """The median of some stays in days, to one decimal."""
    return round(statistics.median(days), 1)


def compute_median_days_per_state(
    records: Iterable[TransitionRecord],
) -> dict[CaseState, float]:
    """Median days a case spent in each state it has left, to one decimal; others omitted."""
    return {state: compute_median_days(days) for state, days in collect_stay_days(records).items()}


def is_small_cell(cases: int, min_cell: int) -> bool:
    """Whether a figure over `cases` cases could single out people: non-zero and below `min_cell`."""
    return 0 < cases < min_cell


def count_decisions_per_month(
    records: Iterable[TransitionRecord],
) -> dict[str, dict[CaseState, int]]:
    """Count decisions (grants and refusals, first instance and appeal) per UTC month."""
    counts: dict[str, Counter[CaseState]] = defaultdict(Counter)
    for entries in _stays_by_case(records).values():
        for state, entered in entries:
            if state in DECISION_STATES:
                counts[entered.strftime("%Y-%m")][state] += 1
    return {month: dict(counts[month]) for month in sorted(counts)}
