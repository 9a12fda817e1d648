"""The shipped default policy follows the proposal it comes from."""

from __future__ import annotations

import pytest

from services.eligibility.policy.document import PolicyDocument
from services.eligibility.policy.evaluate import Outcome, evaluate
from services.eligibility.policy.facts import FACTS, ApplicantFacts
from shared.schemas.eligibility import Category

from .conftest import ASSESSMENT_DATE


def assess(policy: PolicyDocument, category: str, *, verified: bool = True) -> Outcome:
    """Assess an applicant of a category under a policy."""
    facts = ApplicantFacts(category=Category(category), citizenship="RU", service_verified=verified)
    return evaluate(policy, facts, ASSESSMENT_DATE)


def test_the_default_policy_is_made_out_to_the_partner(default_policy: PolicyDocument) -> None:
    assert default_policy.partner == "DE"
    assert default_policy.version == 1


@pytest.mark.parametrize("category", [c.value for c in Category])
@pytest.mark.parametrize("verified", [True, False])
def test_every_category_gets_an_eligible_tier(default_policy: PolicyDocument, category: str, verified: bool) -> None:
    outcome = assess(default_policy, category, verified=verified)
    assert outcome.eligible


@pytest.mark.parametrize("category", ["conscript", "contract_soldier", "officer"])
def test_a_verified_deserter_gets_about_100000_usd_in_tranches_and_asylum_for_the_family(
    default_policy: PolicyDocument, category: str
) -> None:
    outcome = assess(default_policy, category)
    bounty = outcome.entitlements.bounty
    assert bounty is not None
    assert bounty.currency == "USD"
    assert bounty.amount == 10_000_000
    assert [t.release for t in bounty.tranches] == ["verified_arrival", "asylum_granted"]
    assert bounty.tranches[0].amount * 3 == bounty.tranches[1].amount
    assert outcome.entitlements.asylum_track
    assert outcome.entitlements.family.asylum


def test_an_unverified_soldier_gets_asylum_but_no_bounty_yet(default_policy: PolicyDocument) -> None:
    outcome = assess(default_policy, "conscript", verified=False)
    assert outcome.entitlements.bounty is None
    assert outcome.entitlements.asylum_track
    assert outcome.entitlements.family.asylum


def test_a_diplomat_gets_a_stipend_and_a_path_to_citizenship(default_policy: PolicyDocument) -> None:
    outcome = assess(default_policy, "diplomat")
    assert outcome.entitlements.stipend is not None
    assert outcome.entitlements.citizenship_path
    assert outcome.entitlements.bounty is None


@pytest.mark.parametrize("category", ["senior_officer", "official", "public_figure"])
def test_bigger_fish_get_a_larger_stipend_than_diplomats(default_policy: PolicyDocument, category: str) -> None:
    diplomat = assess(default_policy, "diplomat").entitlements.stipend
    senior = assess(default_policy, category).entitlements.stipend
    assert diplomat is not None
    assert senior is not None
    assert senior.monthly_amount > diplomat.monthly_amount
    assert senior.total > diplomat.total


def test_a_skilled_professional_gets_a_residence_path_without_bounty(default_policy: PolicyDocument) -> None:
    outcome = assess(default_policy, "skilled_professional")
    assert outcome.entitlements.residence_path
    assert outcome.entitlements.family.residence_path
    assert outcome.entitlements.bounty is None
    assert outcome.totals == {}


def test_a_family_member_is_covered_through_the_main_applicant(default_policy: PolicyDocument) -> None:
    outcome = assess(default_policy, "family_member")
    assert outcome.tier == "family_member"
    assert outcome.totals == {}
    assert "nothing of its own" in outcome.explanation[-2]


def test_larger_outcomes_need_more_distinct_approvers(default_policy: PolicyDocument) -> None:
    needed = {
        c: assess(default_policy, c).required_approvers for c in ("skilled_professional", "conscript", "official")
    }
    assert needed == {"skilled_professional": 1, "conscript": 2, "official": 3}


def test_no_policy_can_test_anything_about_testimony() -> None:
    assert not [name for name in FACTS if "testimon" in name]
    assert not [name for name in ApplicantFacts.model_fields if "testimon" in name]
