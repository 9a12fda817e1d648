"""What a tier grants: a bounty in tranches and what releases each, a stipend, tracks and family coverage."""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, model_validator

from services.eligibility.policies.engine.money import BASIS_POINTS_WHOLE, validate_currency
from shared.money import MAX_AMOUNT_MINOR

Currency = Annotated[str, AfterValidator(validate_currency)]
MinorUnits = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT_MINOR, description="Integer minor units, e.g. cents.")]
Amount = Annotated[StrictInt, Field(gt=0, le=MAX_AMOUNT_MINOR)]

_TRIGGER = re.compile(r"^(approval|verified_arrival|asylum_granted|days_after_approval:([1-9][0-9]{0,3}))$")


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


class PolicyModel(BaseModel):
    """A part of a policy document: unknown keys are refused, and it never changes once read."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Tranche(PolicyModel):
    """A part of a bounty: a share in basis points or a fixed amount, and what releases it."""

    share_bp: Annotated[StrictInt, Field(gt=0, le=BASIS_POINTS_WHOLE)] | None = None
    amount: Amount | None = None
    release: ReleaseTrigger

    @model_validator(mode="after")
    def _check_one_size(self) -> Self:
        if (self.share_bp is None) == (self.amount is None):
            raise ValueError("a tranche needs either share_bp (basis points, 2500 = 25%) or amount, not both")
        return self


class Bounty(PolicyModel):
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


class Stipend(PolicyModel):
    """A monthly payment for a number of months."""

    monthly_amount: Amount
    currency: Currency
    months: Annotated[StrictInt, Field(ge=1, le=600)]

    @model_validator(mode="after")
    def _check_whole_plan_is_bounded(self) -> Self:
        if self.monthly_amount * self.months > MAX_AMOUNT_MINOR:
            raise ValueError(f"monthly_amount x months exceeds the limit of {MAX_AMOUNT_MINOR} minor units")
        return self


class FamilyCoverage(PolicyModel):
    """What the main applicant's linked family members receive through the main applicant."""

    asylum: bool = False
    residence_path: bool = False


class Entitlements(PolicyModel):
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
