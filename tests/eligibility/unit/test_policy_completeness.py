"""Completeness: a policy that leaves any applicant without a tier is rejected, with an example."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.eligibility.policies.engine.conditions import Condition
from services.eligibility.policies.engine.coverage import Gap, find_uncovered_case
from services.eligibility.policies.engine.document import PolicyDocument, Tier
from services.eligibility.policies.engine.errors import PolicyInvalid
from services.eligibility.policies.engine.facts import ApplicantFacts, read_facts
from services.eligibility.policies.engine.load import parse_policy_data
from shared.schemas.eligibility import Category

from .conftest import ASSESSMENT_DATE

CATEGORIES = [c.value for c in Category]
COUNTRIES = ["RU", "BY", "UA", "DE"]
RANKS = ["private", "major", "colonel"]


def policy_of(*tiers: dict[str, Any]) -> dict[str, Any]:
    """Policy data with the given tiers and nothing else."""
    return {"partner": "DE", "version": 1, "effective_from": "2026-01-01", "tiers": list(tiers)}


def test_a_policy_missing_a_category_is_rejected_naming_it() -> None:
    covered = [c for c in CATEGORIES if c != "diplomat"]
    data = policy_of({"id": "all_but_diplomats", "title": "x", "conditions": [{"fact": "category", "in": covered}]})
    with pytest.raises(PolicyInvalid, match="no tier applies to an applicant whose category is diplomat"):
        parse_policy_data(data)


def test_a_catch_all_tier_makes_any_policy_complete() -> None:
    data = policy_of(
        {
            "id": "narrow",
            "title": "x",
            "conditions": [{"fact": "age", "at_least": 30}, {"fact": "rank", "equals": "major"}],
        },
        {"id": "rest", "title": "y", "eligible": False},
    )
    assert parse_policy_data(data).tiers[-1].id == "rest"


def test_tiers_that_together_cover_every_case_need_no_catch_all() -> None:
    data = policy_of(
        {"id": "young", "title": "x", "conditions": [{"fact": "age", "at_most": 17}]},
        {"id": "adult", "title": "y", "conditions": [{"fact": "age", "at_least": 18}]},
        {"id": "not_belarusian", "title": "z", "conditions": [{"fact": "citizenship", "not_in": ["BY"]}]},
        {"id": "belarusian", "title": "w", "conditions": [{"fact": "citizenship", "equals": "BY"}]},
    )
    assert parse_policy_data(data).version == 1


def test_an_unrecorded_fact_is_a_case_the_policy_must_cover() -> None:
    data = policy_of(
        {"id": "young", "title": "x", "conditions": [{"fact": "age", "at_most": 17}]},
        {"id": "adult", "title": "y", "conditions": [{"fact": "age", "at_least": 18}]},
    )
    with pytest.raises(PolicyInvalid, match="age on the assessment date is not recorded"):
        parse_policy_data(data)


def test_a_gap_between_age_bands_is_found_exactly() -> None:
    data = policy_of(
        {"id": "young", "title": "x", "conditions": [{"fact": "age", "at_most": 17}]},
        {"id": "adult", "title": "y", "conditions": [{"fact": "age", "at_least": 19}]},
        {"id": "unknown", "title": "z", "conditions": [{"fact": "family_members", "at_least": 0}]},
    )
    # The third tier covers everyone, so this one is complete.
    assert parse_policy_data(data)
    data["tiers"][2]["conditions"] = [{"fact": "family_members", "at_least": 1}]
    with pytest.raises(PolicyInvalid, match="age on the assessment date is 18 and linked family members is 0"):
        parse_policy_data(data)


# Random policies and applicants, to check the search against plain evaluation.

conditions = st.one_of(
    st.builds(lambda v: Condition(fact="category", equals=v), st.sampled_from(CATEGORIES)),
    st.builds(
        lambda v: Condition(fact="category", in_=v), st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=5)
    ),
    st.builds(
        lambda v: Condition(fact="category", not_in=v), st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3)
    ),
    st.builds(lambda v: Condition(fact="service_verified", equals=v), st.booleans()),
    st.builds(lambda v: Condition(fact="arrived_in_partner_territory", equals=v), st.booleans()),
    st.builds(lambda v: Condition(fact="citizenship", in_=v), st.lists(st.sampled_from(COUNTRIES[:2]), min_size=1)),
    st.builds(lambda v: Condition(fact="citizenship", not_in=v), st.lists(st.sampled_from(COUNTRIES[:2]), min_size=1)),
    st.builds(lambda v: Condition(fact="rank", equals=v), st.sampled_from(RANKS[1:])),
    st.builds(lambda v: Condition(fact="rank", not_in=v), st.lists(st.sampled_from(RANKS[1:]), min_size=1)),
    st.builds(lambda v: Condition(fact="age", at_least=v), st.integers(min_value=15, max_value=22)),
    st.builds(lambda v: Condition(fact="age", at_most=v), st.integers(min_value=15, max_value=22)),
    st.builds(lambda v: Condition(fact="age", equals=v), st.integers(min_value=15, max_value=22)),
    st.builds(lambda v: Condition(fact="family_members", at_least=v), st.integers(min_value=0, max_value=3)),
)

tiers = st.lists(st.lists(conditions, max_size=3), min_size=1, max_size=6).map(
    lambda groups: [Tier(id=f"t{i}", title=f"tier {i}", conditions=group) for i, group in enumerate(groups)]
)


def _born_years_ago(years: int) -> dt.date:
    return ASSESSMENT_DATE.replace(year=ASSESSMENT_DATE.year - years)


applicants = st.builds(
    ApplicantFacts,
    category=st.sampled_from(list(Category)),
    citizenship=st.sampled_from(COUNTRIES),
    birth_date=st.one_of(st.none(), st.one_of(st.integers(14, 23), st.integers(0, 90)).map(_born_years_ago)),
    rank=st.one_of(st.none(), st.sampled_from(RANKS)),
    service_verified=st.booleans(),
    arrived_in_partner_territory=st.booleans(),
    family_members=st.integers(min_value=0, max_value=5),
)


def unchecked_policy(tier_list: list[Tier]) -> PolicyDocument:
    """Build a policy without the completeness check, to test the check itself."""
    return PolicyDocument.model_construct(partner="DE", version=1, effective_from=dt.date(2026, 1, 1), tiers=tier_list)


def applicant_from_gap(gap: Gap) -> ApplicantFacts:
    """Turn the example a gap describes into a real applicant."""
    values: dict[str, Any] = {"category": "conscript", "citizenship": "UA"}
    for rep in gap:
        if rep.fact == "age":
            values["birth_date"] = None if rep.value is None else _born_years_ago(int(rep.value))
        else:
            values[rep.fact] = rep.value
    return ApplicantFacts(**values)


def applies(tier: Tier, facts: ApplicantFacts) -> bool:
    """Whether all of a tier's conditions hold for an applicant."""
    values = read_facts(facts, ASSESSMENT_DATE)
    return all(c.judge(values[c.fact]).held for c in tier.conditions)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(tier_list=tiers, people=st.lists(applicants, min_size=1, max_size=20))
def test_a_policy_proven_complete_gives_every_applicant_a_tier(
    tier_list: list[Tier], people: list[ApplicantFacts]
) -> None:
    gap = find_uncovered_case(unchecked_policy(tier_list))
    if gap is None:
        for person in people:
            assert any(applies(tier, person) for tier in tier_list)
    else:
        witness = applicant_from_gap(gap)
        assert not any(applies(tier, witness) for tier in tier_list)
