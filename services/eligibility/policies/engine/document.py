"""The tier policy document: per partner, versioned, effective-dated, validated with pydantic."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
    model_validator,
)

from services.eligibility.policies.engine.conditions import Condition
from services.eligibility.policies.engine.coverage import describe_gap, find_uncovered_case
from services.eligibility.policies.engine.money import BASIS_POINTS_WHOLE, validate_currency
from shared.money import MAX_AMOUNT_MINOR

Currency = Annotated[str, AfterValidator(validate_currency)]
MinorUnits = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT_MINOR, description="Integer minor units, e.g. cents.")]
Amount = Annotated[StrictInt, Field(gt=0, le=MAX_AMOUNT_MINOR)]

_TRIGGER = re.compile(r"^(approval|verified_arrival|asylum_granted|days_after_approval:([1-9][0-9]{0,3}))$")
_TIER_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def validate_trigger(value: str) -> str:
    """Return a release trigger if it is well formed, else raise ValueError saying what to write."""
    if not _TRIGGER.match(value):
        raise ValueError(
            f"'{value}' is not a release trigger: use approval, verified_arrival, asylum_granted "
            "or days_after_approval:N with N days from 1 to 9999"
        )
    return value


def trigger_days(trigger: str) -> int | None:
    """Return N for 'days_after_approval:N', None for the other triggers."""
    match = _TRIGGER.match(trigger)
    return int(match.group(2)) if match and match.group(2) else None


ReleaseTrigger = Annotated[str, AfterValidator(validate_trigger)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Tranche(_Strict):
    """A part of a bounty: a share in basis points or a fixed amount, and what releases it."""

    share_bp: Annotated[StrictInt, Field(gt=0, le=BASIS_POINTS_WHOLE)] | None = None
    amount: Amount | None = None
    release: ReleaseTrigger

    @model_validator(mode="after")
    def _check_one_size(self) -> Self:
        if (self.share_bp is None) == (self.amount is None):
            raise ValueError("a tranche needs either share_bp (basis points, 2500 = 25%) or amount, not both")
        return self


class Bounty(_Strict):
    """A one-off sum paid in tranches."""

    amount: Amount
    currency: Currency
    tranches: list[Tranche] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_tranches_add_up(self) -> Self:
        by_share = [t.share_bp for t in self.tranches if t.share_bp is not None]
        by_amount = [t.amount for t in self.tranches if t.amount is not None]
        if by_share and by_amount:
            raise ValueError("give every tranche as share_bp or every tranche as amount, not a mix")
        if by_share and sum(by_share) != BASIS_POINTS_WHOLE:
            raise ValueError(
                f"tranche shares sum to {sum(by_share)} basis points: make them sum to {BASIS_POINTS_WHOLE}"
            )
        if by_amount and sum(by_amount) != self.amount:
            raise ValueError(
                f"tranche amounts sum to {sum(by_amount)}: make them sum to the bounty amount {self.amount}"
            )
        return self


class Stipend(_Strict):
    """A monthly payment for a number of months."""

    monthly_amount: Amount
    currency: Currency
    months: Annotated[StrictInt, Field(ge=1, le=600)]

    @model_validator(mode="after")
    def _check_whole_plan_is_bounded(self) -> Self:
        if self.monthly_amount * self.months > MAX_AMOUNT_MINOR:
            raise ValueError(f"monthly_amount x months exceeds the limit of {MAX_AMOUNT_MINOR} minor units")
        return self


class FamilyCoverage(_Strict):
    """What the main applicant's linked family members receive through the main applicant."""

    asylum: bool = False
    residence_path: bool = False


class Entitlements(_Strict):
    """What a tier grants."""

    bounty: Bounty | None = None
    stipend: Stipend | None = None
    asylum_track: bool = False
    residence_path: bool = False
    citizenship_path: bool = False
    family: FamilyCoverage = FamilyCoverage()

    @model_validator(mode="after")
    def _check_family_follows_applicant(self) -> Self:
        if self.family.asylum and not self.asylum_track:
            raise ValueError("family.asylum needs asylum_track: the family follows the main applicant's track")
        if self.family.residence_path and not (self.residence_path or self.asylum_track):
            raise ValueError("family.residence_path needs residence_path or asylum_track for the main applicant")
        return self

    def is_empty(self) -> bool:
        """Say whether the tier grants nothing at all."""
        return self == Entitlements()


class Tier(_Strict):
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


class ApprovalThreshold(_Strict):
    """From this total value in this currency on, an approval needs this many distinct approvers."""

    currency: Currency
    total_at_least: MinorUnits
    approvers: Annotated[StrictInt, Field(ge=1, le=20)]


class Approvals(_Strict):
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


class PolicyDocument(_Strict):
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
