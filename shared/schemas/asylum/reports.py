"""Partner reports on the wire: case statistics with small counts suppressed, and protection alerts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

_SUPPRESSION = (
    "null when suppressed: a non-zero figure over fewer cases than `min_cell` (`ASYLUM_STATS_MIN_CELL`, "
    "default 5) could single out a person, so it is withheld."
)


class SuppressibleCount(BaseModel):
    """A count of cases, withheld when it is small enough to single out people."""

    value: int | None = Field(description=f"The number of cases; {_SUPPRESSION} Zero is always shown.")
    suppressed: bool = Field(description="True when `value` was withheld because it is below `min_cell`.")


class SuppressibleDays(BaseModel):
    """A median in days, withheld when it is taken over too few cases."""

    value: float | None = Field(description=f"Median days, to one decimal; {_SUPPRESSION}")
    suppressed: bool = Field(description="True when `value` was withheld because too few stays ended.")


class CaseStatistics(BaseModel):
    """Figures about a partner's cases, without personal data; small cells are suppressed."""

    min_cell: int = Field(description="Smallest number of cases a figure is shown for (`ASYLUM_STATS_MIN_CELL`).")
    cases_by_state: dict[str, SuppressibleCount] = Field(
        description="State → cases in it now; every state appears, 1 to `min_cell - 1` cases suppressed."
    )
    median_days_per_state: dict[str, SuppressibleDays] = Field(
        description="Median days in each state, over stays that ended; over fewer than `min_cell` stays suppressed."
    )
    decisions_per_month: dict[str, dict[str, SuppressibleCount]] = Field(
        description="`YYYY-MM` (UTC) → decision → count; counts below `min_cell` suppressed."
    )


class ProtectionAlertRead(BaseModel):
    """A case whose duress secret was used: the applicant may be under pressure."""

    case_id: str
    reference: str
    flagged_at: datetime
    flag_count: int
