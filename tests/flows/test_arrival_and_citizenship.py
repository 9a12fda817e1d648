"""Verified arrival in eligibility releases the arrival tranche in payments, before or after the approval, in any
order of delivery; a case carries the approval's citizenship path."""

from __future__ import annotations

import pytest

from shared.schemas import events
from tests.asylum.api import factories as asylum_api
from tests.eligibility.api import helpers as eligibility_api
from tests.flows.conftest import System
from tests.flows.journey import (
    ARRIVAL_MINOR,
    assess_and_approve,
    case_of,
    obligations_by_trigger,
    prepare_partner,
    record_arrival,
    register_family,
)
from tests.harness import Tokens

# Named here: parametrized coroutine tests need the marker before collection ends.
pytestmark = pytest.mark.anyio

ORDERS = [("approval", "arrival"), ("arrival", "approval")]


async def deliver_in_order(system: System, order: tuple[str, ...]) -> None:
    """Hold eligibility's events and let its approval and arrival events go in `order`, then everything else."""
    await system.hold("eligibility")
    kinds = {events.APPLICANT_APPROVED: "approval", events.ARRIVAL_VERIFIED: "arrival"}
    named = {kinds[e["type"]]: str(e["id"]) for e in await system.outbox_payloads("eligibility") if e["type"] in kinds}
    await system.deliver_in_order("eligibility", [named[name] for name in order])


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
async def test_an_arrival_recorded_after_the_approval_releases_the_arrival_tranche_in_any_order(
    system: System, tokens: Tokens, order: tuple[str, ...]
) -> None:
    await prepare_partner(system, tokens)
    applicant_id, _ = await register_family(system, tokens)
    await assess_and_approve(system, tokens, applicant_id)
    await record_arrival(system, tokens, applicant_id)
    await deliver_in_order(system, order)
    obligations = await obligations_by_trigger(system, tokens, applicant_id)
    assert {t: (o["status"], o["release_basis"]) for t, o in obligations.items()} == {
        "verified_arrival": ("due", "event"),
        "asylum_granted": ("waiting", None),
    }
    assert obligations["verified_arrival"]["amount_minor"] == ARRIVAL_MINOR


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
async def test_an_arrival_recorded_before_the_approval_releases_the_arrival_tranche_in_any_order(
    system: System, tokens: Tokens, order: tuple[str, ...]
) -> None:
    await prepare_partner(system, tokens)
    applicant_id, _ = await register_family(system, tokens)
    await record_arrival(system, tokens, applicant_id)
    await assess_and_approve(system, tokens, applicant_id)
    await deliver_in_order(system, order)
    obligations = await obligations_by_trigger(system, tokens, applicant_id)
    assert {t: o["status"] for t, o in obligations.items()} == {"verified_arrival": "due", "asylum_granted": "waiting"}


async def test_an_arrival_known_at_registration_releases_the_arrival_tranche_with_the_approval(
    system: System, tokens: Tokens
) -> None:
    await prepare_partner(system, tokens)
    arrived = await eligibility_api.register(
        system.harness("eligibility"), tokens, evidence={"service_verified": True, "arrived_in_partner_territory": True}
    )
    await assess_and_approve(system, tokens, arrived["id"])
    await system.deliver_events()
    obligations = await obligations_by_trigger(system, tokens, arrived["id"])
    assert {t: o["status"] for t, o in obligations.items()} == {"verified_arrival": "due", "asylum_granted": "waiting"}


async def test_a_resigned_diplomat_can_become_a_citizen_and_a_deserter_cannot(system: System, tokens: Tokens) -> None:
    await prepare_partner(system, tokens)
    asylum = system.harness("asylum")
    diplomat = await eligibility_api.register(
        system.harness("eligibility"),
        tokens,
        category="diplomat",
        rank_or_post="First secretary",
        evidence={"left_post": True},
        documents=[{"type": "passport", "issuing_country": "RU", "number": "70 0000001"}],
    )
    deserter, _ = await register_family(system, tokens)
    await assess_and_approve(system, tokens, diplomat["id"])
    await assess_and_approve(system, tokens, deserter)
    await system.deliver_events()
    road = (*asylum_api.ROAD_TO_GRANT, "residence_permit", "permanent_residence")

    diplomats_case = await case_of(system, tokens, diplomat["id"])
    assert diplomats_case["citizenship_path"] is True
    assert (await asylum_api.move(asylum, tokens, diplomats_case["id"], *road)).status_code == 200
    naturalised = await asylum_api.move(asylum, tokens, diplomats_case["id"], "citizenship_applied", "naturalised")
    assert naturalised.json()["state"] == "naturalised"

    deserters_case = await case_of(system, tokens, deserter)
    assert deserters_case["citizenship_path"] is False
    assert (await asylum_api.move(asylum, tokens, deserters_case["id"], *road)).status_code == 200
    refused = await asylum_api.move(asylum, tokens, deserters_case["id"], "citizenship_applied")
    assert refused.status_code == 409
    assert "no citizenship path" in refused.json()["detail"]
