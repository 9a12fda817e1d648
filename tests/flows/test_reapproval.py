"""A later approval of the same applicant replaces the earlier one in payments: the bounty is owed once."""

from __future__ import annotations

from typing import Any

from tests.flows.conftest import System
from tests.flows.journey import (
    ARRIVAL_MINOR,
    BOUNTY_MINOR,
    GRANTED_MINOR,
    approve_deserter,
    assess_and_approve,
    fund_programme,
    obligations_by_trigger,
    pay,
    payments_officer,
    release_arrival,
)
from tests.harness import Tokens
from tests.payments.service import helpers as payments_api


async def standing(system: System, tokens: Tokens, applicant_id: str) -> list[dict[str, Any]]:
    """The applicant's obligations that a later approval has not superseded."""
    listed = await payments_api.obligations_of(system.harness("payments"), payments_officer(tokens), applicant_id)
    return [o for o in listed if o["status"] != "superseded"]


async def test_approving_the_same_deserter_twice_promises_the_bounty_once(system: System, tokens: Tokens) -> None:
    approved = await approve_deserter(system, tokens)
    again = await assess_and_approve(system, tokens, approved.applicant_id)
    await system.deliver_events()
    obligations = await standing(system, tokens, approved.applicant_id)
    assert {o["assessment_id"] for o in obligations} == {again["id"]}
    assert sum(o["amount_minor"] for o in obligations) == BOUNTY_MINOR
    released = await release_arrival(system, tokens, approved.applicant_id)
    assert [o["amount_minor"] for o in released] == [ARRIVAL_MINOR]


async def test_a_reapproval_after_the_arrival_tranche_was_paid_owes_only_the_rest(
    system: System, tokens: Tokens
) -> None:
    approved = await approve_deserter(system, tokens)
    funding = await fund_programme(system, tokens, approved.applicant_id)
    await release_arrival(system, tokens, approved.applicant_id)
    arrival = (await obligations_by_trigger(system, tokens, approved.applicant_id))["verified_arrival"]
    await pay(system, tokens, arrival["id"], funding["id"], "pay-arrival")
    again = await assess_and_approve(system, tokens, approved.applicant_id)
    await system.deliver_events()
    obligations = await standing(system, tokens, approved.applicant_id)
    owed = sorted((o["assessment_id"], o["trigger"], o["amount_minor"], o["status"]) for o in obligations)
    assert owed == sorted(
        [
            (approved.assessment["id"], "verified_arrival", ARRIVAL_MINOR, "paid"),
            (again["id"], "asylum_granted", GRANTED_MINOR, "waiting"),
        ]
    )
