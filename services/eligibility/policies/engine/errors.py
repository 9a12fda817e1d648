"""What can go wrong with a policy, named after what happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyProblem:
    """One thing to fix in a policy document: where it is and what to do."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class PolicyInvalid(ValueError):
    """A policy document was rejected; `problems` says what to fix."""

    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


class PolicyNotInForce(ValueError):
    """An assessment date falls outside the policy's effective dates."""

    def __init__(self, version: int, day: dt.date) -> None:
        self.version = version
        self.day = day
        super().__init__(f"policy version {version} is not in force on {day.isoformat()}")
