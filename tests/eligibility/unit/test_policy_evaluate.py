"""Evaluation: first matching tier, exact entitlements, a readable trace, and determinism."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.eligibility.policies.engine.document import PolicyDocument
from services.eligibility.policies.engine.errors import PolicyNotInForce
from services.eligibility.policies.engine.evaluate import evaluate
from services.eligibility.policies.engine.facts import ApplicantFacts, BirthDateAfterAssessment, age_on
from services.eligibility.policies.engine.load import dump_policy, load_default_policy, parse_policy, parse_policy_data
from shared.schemas.eligibility import Category

from .conftest import ASSESSMENT_DATE


def make_facts(**values: object) -> ApplicantFacts:
    """An applicant with plausible defaults."""
    data: dict[str, object] = {"category": "conscript", "citizenship": "RU", "service_verified": True}
    data.update(values)
    return ApplicantFacts.model_validate(data)


def test_the_first_tier_whose_conditions_all_hold_is_chosen(default_policy: PolicyDocument) -> None:
    outcome = evaluate(default_policy, make_facts(), ASSESSMENT_DATE)
    assert outcome.tier == "deserter"
    chosen = [t.tier for t in outcome.tiers if t.chosen]
    assert chosen == ["deserter"]
    earlier = [t for t in outcome.tiers if t.position < 4]
    assert all(not t.matched for t in earlier)


def test_the_trace_says_which_conditions_held_and_which_failed(default_policy: PolicyDocument) -> None:
    outcome = evaluate(default_policy, make_facts(service_verified=False), ASSESSMENT_DATE)
    deserter = next(t for t in outcome.tiers if t.tier == "deserter")
    assert [(c.condition, c.held) for c in deserter.conditions] == [
        ("category is one of conscript, contract_soldier, officer", True),
        ("service verified is true", False),
    ]
    assert deserter.conditions[1].reason == "service verified is false, not true"
    assert deserter.conditions[1].because == "the bounty is paid only for verified military service"
    text = "\n".join(outcome.explanation)
    assert "Tier 6 'deserter': not chosen: service verified is false, not true." in text
    assert "Tier 7 'soldier_unverified': chosen" in text


def test_the_trace_says_why_a_later_tier_that_also_applies_was_not_chosen() -> None:
    policy = parse_policy_data(
        {
            "partner": "DE",
            "version": 2,
            "effective_from": "2026-01-01",
            "tiers": [
                {"id": "adults", "title": "Adults", "conditions": [{"fact": "age", "at_least": 18}]},
                {"id": "everyone", "title": "Everyone"},
            ],
        }
    )
    outcome = evaluate(policy, make_facts(birth_date=dt.date(1990, 1, 1)), ASSESSMENT_DATE)
    assert outcome.tier == "adults"
    assert outcome.tiers[1].matched
    assert not outcome.tiers[1].chosen
    assert "but 'adults' comes first in the policy" in outcome.tiers[1].verdict
    minor = evaluate(policy, make_facts(birth_date=dt.date(2010, 1, 1)), ASSESSMENT_DATE)
    assert minor.tiers[0].verdict == "not chosen: age on the assessment date is 16, below 18"
    unknown = evaluate(policy, make_facts(), ASSESSMENT_DATE)
    assert unknown.tiers[0].conditions[0].reason == "age on the assessment date is not recorded"


def test_entitlements_are_computed_in_minor_units(default_policy: PolicyDocument) -> None:
    outcome = evaluate(default_policy, make_facts(), ASSESSMENT_DATE)
    bounty = outcome.entitlements.bounty
    assert bounty is not None
    assert [(t.amount, t.release) for t in bounty.tranches] == [
        (2_500_000, "verified_arrival"),
        (7_500_000, "asylum_granted"),
    ]
    assert outcome.totals == {"USD": 10_000_000}
    assert outcome.entitlements.family.asylum


def test_a_policy_out_of_force_refuses_to_assess(default_policy: PolicyDocument) -> None:
    with pytest.raises(PolicyNotInForce, match="not in force on 2025-12-31"):
        evaluate(default_policy, make_facts(), dt.date(2025, 12, 31))


def test_age_counts_completed_years_on_the_assessment_date() -> None:
    assert age_on(dt.date(2008, 11, 26), dt.date(2026, 11, 26)) == 18
    assert age_on(dt.date(2008, 11, 27), dt.date(2026, 11, 26)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18
    with pytest.raises(BirthDateAfterAssessment):
        age_on(dt.date(2027, 1, 1), dt.date(2026, 11, 26))


people = st.builds(
    ApplicantFacts,
    category=st.sampled_from(list(Category)),
    citizenship=st.sampled_from(["RU", "BY", "KZ"]),
    birth_date=st.one_of(st.none(), st.dates(min_value=dt.date(1930, 1, 1), max_value=ASSESSMENT_DATE)),
    rank=st.one_of(st.none(), st.text(max_size=10)),
    service_verified=st.booleans(),
    arrived_in_partner_territory=st.booleans(),
    family_members=st.integers(min_value=0, max_value=8),
)


# The same policy read twice from its text, so nothing can hinge on object identity.
POLICY_TEXT = dump_policy(load_default_policy("DE"))
ONE_READING = parse_policy(POLICY_TEXT)
ANOTHER_READING = parse_policy(POLICY_TEXT)


@given(person=people)
def test_same_inputs_under_the_same_policy_always_give_the_same_outcome(person: ApplicantFacts) -> None:
    first = evaluate(ONE_READING, person, ASSESSMENT_DATE)
    again = evaluate(ANOTHER_READING, ApplicantFacts.model_validate(person.model_dump()), ASSESSMENT_DATE)
    assert first == again
    assert first.model_dump_json() == again.model_dump_json()


@given(person=people)
def test_every_applicant_gets_exactly_one_chosen_tier_from_the_default_policy(person: ApplicantFacts) -> None:
    outcome = evaluate(ONE_READING, person, ASSESSMENT_DATE)
    assert [t.tier for t in outcome.tiers if t.chosen] == [outcome.tier]
    assert outcome.required_approvers >= 1
