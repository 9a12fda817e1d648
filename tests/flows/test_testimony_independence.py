"""Testimony is never a condition: giving, publishing or withdrawing one changes no tier, payout or case."""

from __future__ import annotations

from typing import Any

from tests.asylum.api.factories import officer as asylum_officer
from tests.eligibility.api.helpers import as_officer
from tests.flows.conftest import System
from tests.flows.journey import (
    assess_and_approve,
    case_of,
    payments_officer,
    prepare_partner,
    publish_testimony,
    register_family,
    withdraw_testimony,
)
from tests.harness import Tokens

# What an assessment decides, leaving out who ran it, when, and its own id.
DECISION = ("policy_version", "tier", "entitlements", "totals", "required_approvers", "tiers", "explanation")
# What an obligation is, leaving out its ids and when it was created.
PROMISE = ("key", "kind", "currency", "amount_minor", "trigger", "due_on", "status")


async def everything_about(system: System, tokens: Tokens, applicant_id: str) -> dict[str, Any]:
    """Every read the partner can make of the applicant in eligibility, payments and asylum."""
    eligibility, payments, asylum = (system.clients[n] for n in ("eligibility", "payments", "asylum"))
    applicant = await eligibility.get(f"/v1/applicants/{applicant_id}", headers=as_officer(tokens))
    assessments = await eligibility.get(f"/v1/applicants/{applicant_id}/assessments", headers=as_officer(tokens))
    obligations = await payments.get(
        "/v1/obligations", params={"applicant_id": applicant_id}, headers=payments_officer(tokens)
    )
    case = await case_of(system, tokens, applicant_id)
    history = await asylum.get(f"/v1/cases/{case['id']}/history", headers=asylum_officer(tokens))
    family = await asylum.get(f"/v1/cases/{case['id']}/dependants", headers=asylum_officer(tokens))
    reads = (applicant, assessments, obligations, history, family)
    assert all(r.status_code == 200 for r in reads), [r.text for r in reads]
    return {
        "applicant": applicant.json(),
        "assessments": assessments.json(),
        "obligations": obligations.json(),
        "case": case,
        "history": history.json(),
        "family": family.json(),
    }


def decision_of(state: dict[str, Any]) -> dict[str, Any]:
    """The tier, entitlements and promises an applicant ended up with, without ids or times."""
    (assessment,) = state["assessments"]["items"]
    return {
        "assessment": {k: assessment[k] for k in DECISION},
        "approvals": len(assessment["approvals"]),
        "obligations": sorted(tuple(o[k] for k in PROMISE) for o in state["obligations"]["items"]),
        "case_state": state["case"]["state"],
        "dependants": len(state["family"]),
    }


async def test_testimony_is_never_a_condition(system: System, tokens: Tokens) -> None:
    await prepare_partner(system, tokens)
    witness, _ = await register_family(system, tokens, document="75 1111111")
    silent, _ = await register_family(system, tokens, document="75 2222222")
    # One applicant testifies publicly before being assessed; the other never testifies at all.
    published = await publish_testimony(system, tokens, witness)
    for applicant_id in (witness, silent):
        await assess_and_approve(system, tokens, applicant_id)
    await system.deliver_events()

    with_testimony = await everything_about(system, tokens, witness)
    without_testimony = await everything_about(system, tokens, silent)
    assert decision_of(with_testimony) == decision_of(without_testimony)
    assert decision_of(with_testimony)["assessment"]["tier"] == "deserter"
    assert len(decision_of(with_testimony)["obligations"]) == 2

    # Withdrawing the consent takes the testimony down and leaves every other service's records as they were.
    await withdraw_testimony(system, published)
    assert await everything_about(system, tokens, witness) == with_testimony
    # A whole testimony, from submission to withdrawal, after approval leaves no trace outside testimony.
    await withdraw_testimony(system, await publish_testimony(system, tokens, silent))
    assert await everything_about(system, tokens, silent) == without_testimony
