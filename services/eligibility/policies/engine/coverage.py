"""Completeness: prove that a policy gives every possible applicant a tier, or find one it misses.

Conditions compare a fact with constants written in the policy, so each fact's values fall into
finitely many classes that no condition can tell apart: every value of a category or a flag; each
listed text or country plus "anything else"; for numbers (never negative) 0, each constant and the
number just above it; and "not recorded" for facts that may be unknown. Trying one representative
per class, fact by fact, and dropping the tiers whose conditions fail, explores every
distinguishable applicant; a branch where no tier survives is a real applicant without an outcome.
A branch stops as soon as a surviving tier has no conditions left, so a catch-all tier proves a
policy complete at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pycountry

from services.eligibility.policies.engine.conditions import Condition, render_value
from services.eligibility.policies.engine.facts import FACTS, FactValue
from shared.schemas.eligibility import Category

if TYPE_CHECKING:
    from services.eligibility.policies.engine.document import PolicyDocument

# Beyond this many explored branches the policy is rejected rather than risk an unproven one.
MAX_BRANCHES = 100_000


class PolicyTooComplexToProve(ValueError):
    """The completeness search exceeded its budget."""


@dataclass(frozen=True)
class Representative:
    """One value standing for a class of values that every condition treats alike."""

    fact: str
    value: FactValue
    text: str


Gap = tuple[Representative, ...]


def _constants(fact: str, conditions: list[Condition]) -> list[FactValue]:
    found: list[FactValue] = []
    for condition in conditions:
        if condition.fact != fact:
            continue
        for value in (condition.equals, condition.at_least, condition.at_most):
            if value is not None:
                found.append(value)
        found.extend(condition.in_ or [])
        found.extend(condition.not_in or [])
    return found


def _unlisted_value(kind: str, listed: list[str]) -> str:
    """Return a real value that no listed constant equals, so a gap names a possible applicant."""
    if kind == "country":
        return next(c.alpha_2 for c in sorted(pycountry.countries, key=lambda c: c.alpha_2) if c.alpha_2 not in listed)
    other = "other"
    while other in listed:
        other += "_"
    return other


def _representatives(fact: str, conditions: list[Condition]) -> list[Representative]:
    spec = FACTS[fact]
    label = spec.label
    constants = _constants(fact, conditions)
    reps: list[Representative] = []
    if spec.kind == "category":
        reps = [Representative(fact, c.value, f"{label} is {c.value}") for c in Category]
    elif spec.kind == "flag":
        reps = [Representative(fact, v, f"{label} is {render_value(v)}") for v in (True, False)]
    elif spec.kind == "number":
        points = {0} | {c + d for c in constants if isinstance(c, int) for d in (0, 1)}
        reps = [Representative(fact, n, f"{label} is {n}") for n in sorted(p for p in points if p >= 0)]
    else:
        listed = sorted({c for c in constants if isinstance(c, str)})
        reps = [Representative(fact, c, f"{label} is {c}") for c in listed]
        other = _unlisted_value(spec.kind, listed)
        reps.append(Representative(fact, other, f"{label} is none of {', '.join(listed)}"))
    if spec.may_be_unknown:
        reps.append(Representative(fact, None, f"{label} is not recorded"))
    return reps


def find_uncovered_case(policy: PolicyDocument) -> Gap | None:
    """Return a description of an applicant no tier applies to, or None when every applicant has one."""
    per_tier = [list(tier.conditions) for tier in policy.tiers]
    everything = [c for conditions in per_tier for c in conditions]
    facts = [name for name in FACTS if any(c.fact == name for c in everything)]
    reps = {name: _representatives(name, everything) for name in facts}
    budget = [MAX_BRANCHES]

    def search(index: int, alive: list[int], path: Gap) -> Gap | None:
        budget[0] -= 1
        if budget[0] < 0:
            raise PolicyTooComplexToProve(
                "the policy has too many combinations to prove that every applicant gets a tier: "
                "end the list with a catch-all tier that has no conditions"
            )
        remaining = set(facts[index:])
        if any(not any(c.fact in remaining for c in per_tier[t]) for t in alive):
            return None
        if not alive:
            return path
        fact = facts[index]
        for rep in reps[fact]:
            survivors = [t for t in alive if all(c.judge(rep.value).held for c in per_tier[t] if c.fact == fact)]
            gap = search(index + 1, survivors, (*path, rep))
            if gap is not None:
                return gap
        return None

    return search(0, list(range(len(per_tier))), ())


def describe_gap(gap: Gap) -> str:
    """Describe an uncovered applicant in words."""
    return " and ".join(rep.text for rep in gap) if gap else "facts are anything at all"
