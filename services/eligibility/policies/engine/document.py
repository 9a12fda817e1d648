"""The tier policy document: per partner, versioned, effective-dated, validated with pydantic.

A document lists its tiers (tried in order, the first whose conditions all hold applies) and the approvals an
outcome needs; what a tier grants is in `entitlements.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Self

from pydantic import Field, StrictInt, field_validator, model_validator

from services.eligibility.policies.engine.conditions import Condition
from services.eligibility.policies.engine.coverage import describe_gap, find_uncovered_case
from services.eligibility.policies.engine.entitlements import Currency, Entitlements, MinorUnits, PolicyModel

_TIER_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Tier(PolicyModel):
    """A named outcome: it applies when all its conditions hold, and grants its entitlements."""

    id: str
    title: str = Field(min_length=1)
    eligible: bool = True
    conditions: list[Condition] = Field(default_factory=list)
    entitlements: Entitlements = Entitlements()

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _TIER_ID.match(value):
            raise ValueError(f"tier id '{value}' must be lower-case letters, digits and _ , starting with a letter")
        return value

    @model_validator(mode="after")
    def _check_ineligible_grants_nothing(self) -> Self:
        if not self.eligible and not self.entitlements.is_empty():
            raise ValueError(f"tier '{self.id}' is not eligible, so remove its entitlements")
        return self


class ApprovalThreshold(PolicyModel):
    """From this total value in this currency on, an approval needs this many distinct approvers."""

    currency: Currency
    total_at_least: MinorUnits
    approvers: Annotated[StrictInt, Field(ge=1, le=20)]


class Approvals(PolicyModel):
    """How many distinct approvers, other than the assessor, an outcome needs by its total value."""

    minimum_approvers: Annotated[StrictInt, Field(ge=1, le=20)] = 1
    thresholds: list[ApprovalThreshold] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_thresholds_grow(self) -> Self:
        seen: dict[str, list[ApprovalThreshold]] = {}
        for threshold in self.thresholds:
            seen.setdefault(threshold.currency, []).append(threshold)
        for currency, rows in seen.items():
            totals = [row.total_at_least for row in rows]
            if len(set(totals)) != len(totals):
                raise ValueError(f"two {currency} thresholds start at the same total: keep one")
            ordered = sorted(rows, key=lambda row: row.total_at_least)
            needs = [self.minimum_approvers] + [row.approvers for row in ordered]
            if needs != sorted(needs):
                raise ValueError(
                    f"{currency} thresholds must never need fewer approvers for a larger total "
                    f"(nor fewer than minimum_approvers {self.minimum_approvers})"
                )
        return self

    def approvers_for(self, totals: dict[str, int]) -> int:
        """Return the distinct approvers needed for the total value per currency."""
        needed = self.minimum_approvers
        for threshold in self.thresholds:
            if totals.get(threshold.currency, 0) >= threshold.total_at_least:
                needed = max(needed, threshold.approvers)
        return needed


class PolicyDocument(PolicyModel):
    """A partner's tier policy: tiers tried in order, the first whose conditions all hold applies.

    Every policy must give every possible applicant an outcome; see `coverage.find_uncovered_case`.
    """

    partner: str = Field(min_length=1, max_length=64)
    version: Annotated[StrictInt, Field(ge=1)]
    effective_from: dt.date
    effective_to: dt.date | None = Field(default=None, description="Last day in force, inclusive.")
    description: str | None = None
    tiers: list[Tier] = Field(min_length=1)
    approvals: Approvals = Approvals()

    @model_validator(mode="after")
    def _check_document(self) -> Self:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from: swap them or drop effective_to")
        ids = [tier.id for tier in self.tiers]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"tier ids must be unique; repeated: {', '.join(duplicates)}")
        self._check_thresholds_cover_currencies()
        gap = find_uncovered_case(self)
        if gap is not None:
            raise ValueError(
                f"no tier applies to an applicant whose {describe_gap(gap)}; add a tier for that case, "
                "or end the list with a catch-all tier that has no conditions"
            )
        return self

    def _check_thresholds_cover_currencies(self) -> None:
        if not self.approvals.thresholds:
            return
        with_thresholds = {threshold.currency for threshold in self.approvals.thresholds}
        for tier in self.tiers:
            paid = tier.entitlements
            for item in (paid.bounty, paid.stipend):
                if item is not None and item.currency not in with_thresholds:
                    raise ValueError(
                        f"tier '{tier.id}' pays in {item.currency} but approvals have no {item.currency} "
                        "threshold: add one so large amounts need more approvers"
                    )

    def in_force_on(self, day: dt.date) -> bool:
        """Say whether the policy is in force on a day."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)
