"""The policy document: what it accepts, and rejections that say what to fix."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from services.eligibility.policies.engine.document import PolicyDocument
from services.eligibility.policies.engine.entitlements import trigger_days
from services.eligibility.policies.engine.errors import PolicyInvalid
from services.eligibility.policies.engine.load import dump_policy, parse_policy, parse_policy_data

BOUNTY: dict[str, Any] = {
    "amount": 10_000_000,
    "currency": "USD",
    "tranches": [
        {"share_bp": 2_500, "release": "verified_arrival"},
        {"share_bp": 7_500, "release": "asylum_granted"},
    ],
}


def make_policy_data(**overrides: Any) -> dict[str, Any]:
    """A small complete policy: deserters get a bounty, everyone else a catch-all tier."""
    data: dict[str, Any] = {
        "partner": "DE",
        "version": 1,
        "effective_from": "2026-01-01",
        "tiers": [
            {
                "id": "deserter",
                "title": "Deserter",
                "conditions": [{"fact": "category", "in": ["conscript", "officer"]}],
                "entitlements": {"bounty": copy.deepcopy(BOUNTY), "asylum_track": True, "family": {"asylum": True}},
            },
            {"id": "others", "title": "Everyone else", "eligible": False},
        ],
        "approvals": {"thresholds": [{"currency": "USD", "total_at_least": 5_000_000, "approvers": 2}]},
    }
    data.update(overrides)
    return data


def problems_of(data: dict[str, Any]) -> list[str]:
    """Return the problems a rejected policy reports, as text."""
    with pytest.raises(PolicyInvalid) as rejected:
        parse_policy_data(data)
    return [str(problem) for problem in rejected.value.problems]


def test_a_complete_policy_loads_from_yaml_and_json_alike() -> None:
    data = make_policy_data()
    from_yaml = parse_policy(yaml.safe_dump(data), "yaml")
    from_json = parse_policy(json.dumps(data), "json")
    assert from_yaml == from_json
    assert from_yaml.tiers[0].entitlements.bounty is not None


def test_a_dumped_policy_reads_back_unchanged() -> None:
    policy = parse_policy_data(make_policy_data())
    assert parse_policy(dump_policy(policy)) == policy


def test_a_missing_field_is_named_with_its_place() -> None:
    data = make_policy_data()
    del data["tiers"][0]["title"]
    assert problems_of(data) == ["tiers[0] (deserter).title: is required: add it"]


def test_a_misspelt_field_is_reported_rather_than_ignored() -> None:
    data = make_policy_data()
    data["tiers"][0]["entitlements"]["stipen"] = {}
    assert problems_of(data) == [
        "tiers[0] (deserter).entitlements.stipen: is not a known field: remove it or check its spelling"
    ]


def test_a_fractional_amount_is_rejected_with_minor_units_explained() -> None:
    data = make_policy_data()
    data["tiers"][0]["entitlements"]["bounty"]["amount"] = 100_000.5
    (problem,) = problems_of(data)
    assert "bounty.amount" in problem
    assert "minor units" in problem


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["tiers"][0]["entitlements"]["bounty"]["tranches"][0].update(share_bp=2_000), "sum to 10000"),
        (
            lambda d: d["tiers"][0]["entitlements"]["bounty"]["tranches"][0].update(release="on_arrival"),
            "days_after_approval:N",
        ),
        (lambda d: d["tiers"][0]["entitlements"]["bounty"].update(currency="DOLLARS"), "ISO 4217"),
        (lambda d: d["tiers"][0]["conditions"][0].update({"in": ["deserter"]}), "is not a category: use one of"),
        (
            lambda d: d["tiers"][0]["conditions"].append({"fact": "age", "in": ["18"]}),
            "'age' cannot be tested with 'in'",
        ),
        (
            lambda d: d["tiers"][0]["conditions"].append({"fact": "service_verified", "equals": "yes"}),
            "give a bool value",
        ),
        (lambda d: d["tiers"][0]["conditions"].append({"fact": "citizenship", "equals": "Russia"}), "alpha-2"),
        (
            lambda d: d["tiers"][0]["conditions"].append({"fact": "age", "at_least": 18, "at_most": 60}),
            "write two conditions",
        ),
        (lambda d: d["tiers"][0]["entitlements"].update(asylum_track=False), "family.asylum needs asylum_track"),
        (
            lambda d: d["tiers"][1].update(entitlements={"residence_path": True}),
            "not eligible, so remove its entitlements",
        ),
        (lambda d: d["tiers"][1].update(id="deserter"), "repeated: deserter"),
        (lambda d: d["tiers"][1].update(id="Everyone Else"), "lower-case letters"),
        (lambda d: d.update(effective_to="2025-12-31"), "effective_to is before effective_from"),
        (lambda d: d["tiers"][0]["entitlements"]["bounty"].update(currency="EUR"), "add one so large amounts"),
        (
            lambda d: d["approvals"]["thresholds"].append(
                {"currency": "USD", "total_at_least": 9_000_000, "approvers": 1}
            ),
            "never need fewer approvers",
        ),
    ],
)
def test_rejections_say_what_to_fix(change: Any, expected: str) -> None:
    data = make_policy_data()
    change(data)
    problems = problems_of(data)
    assert any(expected in problem for problem in problems), problems


def test_unparseable_text_is_rejected_as_such() -> None:
    with pytest.raises(PolicyInvalid, match="not valid JSON"):
        parse_policy("{partner: DE", "json")


def test_tranches_may_be_fixed_amounts_that_add_up_to_the_bounty() -> None:
    data = make_policy_data()
    data["tiers"][0]["entitlements"]["bounty"]["tranches"] = [
        {"amount": 1_000_000, "release": "approval"},
        {"amount": 9_000_000, "release": "days_after_approval:90"},
    ]
    policy = parse_policy_data(data)
    bounty = policy.tiers[0].entitlements.bounty
    assert bounty is not None
    assert [trigger_days(t.release) for t in bounty.tranches] == [None, 90]
    data["tiers"][0]["entitlements"]["bounty"]["tranches"][0]["amount"] = 2_000_000
    assert any("make them sum to the bounty amount" in p for p in problems_of(data))


def test_a_policy_is_in_force_only_between_its_dates_inclusive() -> None:
    import datetime as dt

    policy: PolicyDocument = parse_policy_data(make_policy_data(effective_to="2026-06-30"))
    assert not policy.in_force_on(dt.date(2025, 12, 31))
    assert policy.in_force_on(dt.date(2026, 1, 1))
    assert policy.in_force_on(dt.date(2026, 6, 30))
    assert not policy.in_force_on(dt.date(2026, 7, 1))
