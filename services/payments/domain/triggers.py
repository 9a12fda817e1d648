"""Release triggers: what must happen before a bounty tranche can be paid."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from services.payments.domain.errors import InvalidTrigger


class TriggerKind(StrEnum):
    """The kinds of release trigger an entitlement can name."""

    APPROVAL = "approval"
    VERIFIED_ARRIVAL = "verified_arrival"
    ASYLUM_GRANTED = "asylum_granted"
    DAYS_AFTER_APPROVAL = "days_after_approval"
    STIPEND_MONTH = "stipend_month"


# Triggers released by a case event rather than by the calendar.
EVENT_TRIGGERS = frozenset({TriggerKind.VERIFIED_ARRIVAL, TriggerKind.ASYLUM_GRANTED})

_DAYS_AFTER = re.compile(r"days_after_approval:(0|[1-9][0-9]{0,4})")


@dataclass(frozen=True, slots=True)
class Trigger:
    """A parsed release trigger; `days` is set only for days_after_approval."""

    kind: TriggerKind
    days: int | None = None

    def __str__(self) -> str:
        if self.kind is TriggerKind.DAYS_AFTER_APPROVAL:
            return f"{self.kind.value}:{self.days}"
        return self.kind.value

    @property
    def waits_for_event(self) -> bool:
        """Whether a case event, not a date, releases this trigger."""
        return self.kind in EVENT_TRIGGERS

    def due_date(self, approved_on: date) -> date | None:
        """Return the date this trigger releases on, or None when it waits for an event."""
        if self.kind is TriggerKind.APPROVAL:
            return approved_on
        if self.kind is TriggerKind.DAYS_AFTER_APPROVAL:
            assert self.days is not None
            return approved_on + timedelta(days=self.days)
        return None


def parse_trigger(text: str) -> Trigger:
    """Parse `approval`, `verified_arrival`, `asylum_granted` or `days_after_approval:N`."""
    match = _DAYS_AFTER.fullmatch(text)
    if match:
        return Trigger(TriggerKind.DAYS_AFTER_APPROVAL, int(match.group(1)))
    if text in {"approval", "verified_arrival", "asylum_granted"}:
        return Trigger(TriggerKind(text))
    raise InvalidTrigger(f"unknown release trigger: {text!r}")
