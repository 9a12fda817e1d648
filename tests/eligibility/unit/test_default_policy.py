"""The shipped default policy follows the proposal it comes from."""

from __future__ import annotations

import pytest

from services.eligibility.policies.engine.document import PolicyDocument
from services.eligibility.policies.engine.evaluate import Outcome, evaluate
from services.eligibility.policies.engine.facts import FACTS, ApplicantFacts
from shared.schemas.eligibility import Category

from .conftest import ASSESSMENT_DATE


def assess(policy: PolicyDocument, category: str, *, verified: bool = True, left_post: bool = True) -> Outcome:
    """Assess an applicant of a category under a policy."""
    facts = ApplicantFacts(
        category=Category(category), citizenship="RU", service_verified=verified, left_post=left_post
    )
    return evaluate(policy, facts, ASSESSMENT_DATE)


def test_the_default_policy_is_made_out_to_the_partner(default_policy: PolicyDocument) -> None:
    assert default_policy.partner == "DE"
    assert default_policy.version == 1


@pytest.mark.parametrize("category", [c.value for c in Category])
@pytest.mark.parametrize("verified", [True, False])
@pytest.mark.parametrize("left_post", [True, False])
def test_every_category_gets_an_eligible_tier(
    default_policy: PolicyDocument, category: str, verified: bool, left_post: bool
) -> None:
    outcome = assess(default_policy, category, verified=verified, left_post=left_post)
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


# What the default promises each category that resigned, defected or left its post, in US cents:
# (tier, one-time award, monthly stipend, stipend months, distinct approvers).
PROMISED = {
    "diplomat": ("diplomat_who_resigned", 25_000_000, 500_000, 24, 3),
    "public_figure": ("public_figure_who_left", 50_000_000, 800_000, 36, 3),
    "official": ("senior_official_who_left", 100_000_000, 800_000, 36, 4),
    "senior_officer": ("senior_official_who_left", 100_000_000, 800_000, 36, 4),
}


@pytest.mark.parametrize("category", sorted(PROMISED))
def test_diplomats_and_senior_figures_who_left_get_an_award_a_stipend_and_a_path_to_citizenship(
    default_policy: PolicyDocument, category: str
) -> None:
    tier, award, monthly, months, approvers = PROMISED[category]
    outcome = assess(default_policy, category)
    granted = outcome.entitlements
    assert granted.bounty is not None
    assert granted.stipend is not None
    assert (outcome.tier, granted.bounty.currency, granted.bounty.amount) == (tier, "USD", award)
    assert [t.release for t in granted.bounty.tranches] == ["verified_arrival", "asylum_granted"]
    assert [t.amount for t in granted.bounty.tranches] == [award // 4, award - award // 4]
    assert (granted.stipend.currency, granted.stipend.monthly_amount, granted.stipend.months) == (
        "USD",
        monthly,
        months,
    )
    assert granted.citizenship_path
    assert granted.asylum_track
    assert granted.family.asylum
    assert outcome.totals == {"USD": award + monthly * months}
    assert outcome.required_approvers == approvers


def test_bigger_fish_get_a_larger_award_than_diplomats_and_officials_the_largest() -> None:
    awards = {category: promised[1] for category, promised in PROMISED.items()}
    assert awards["diplomat"] < awards["public_figure"] < awards["official"] == awards["senior_officer"]


@pytest.mark.parametrize("category", sorted(PROMISED))
def test_someone_still_in_post_gets_asylum_now_but_no_award_or_stipend(
    default_policy: PolicyDocument, category: str
) -> None:
    outcome = assess(default_policy, category, left_post=False)
    assert outcome.tier == "still_in_post"
    assert outcome.entitlements.bounty is None
    assert outcome.entitlements.stipend is None
    assert not outcome.entitlements.citizenship_path
    assert outcome.entitlements.asylum_track
    assert outcome.entitlements.family.asylum
    assert any("left their post" in line or "leaving the post" in line for line in outcome.explanation), (
        outcome.explanation
    )


@pytest.mark.parametrize("category", sorted(PROMISED))
def test_the_award_asks_that_the_person_left_their_post(default_policy: PolicyDocument, category: str) -> None:
    tier = PROMISED[category][0]
    (rule,) = [t for t in default_policy.tiers if t.id == tier]
    assert [(c.fact, c.equals) for c in rule.conditions if c.fact == "left_post"] == [("left_post", True)]


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
        c: assess(default_policy, c).required_approvers
        for c in ("skilled_professional", "conscript", "diplomat", "official")
    }
    assert needed == {"skilled_professional": 1, "conscript": 2, "diplomat": 3, "official": 4}


def test_no_policy_can_test_anything_about_testimony() -> None:
    assert not [name for name in FACTS if "testimon" in name]
    assert not [name for name in ApplicantFacts.model_fields if "testimon" in name]
