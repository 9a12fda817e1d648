"""A family member joins the main applicant's case once, whatever order eligibility's events reach asylum in."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select

from services.asylum.models import Case
from shared.schemas import events
from tests.asylum.api.factories import officer as asylum_officer
from tests.eligibility.api import helpers as eligibility_api
from tests.flows.conftest import System
from tests.flows.journey import CHILD_BIRTH_DATE, CHILD_NAME, MAIN_DOCUMENT, assess_and_approve, prepare_partner
from tests.harness import Tokens

# Named here: parametrized coroutine tests need the marker before collection ends.
pytestmark = pytest.mark.anyio


async def register_main(system: System, tokens: Tokens) -> str:
    """A conscript deserter with verified service."""
    main = await eligibility_api.register(
        system.harness("eligibility"),
        tokens,
        documents=[{"type": "passport", "issuing_country": "RU", "number": MAIN_DOCUMENT}],
    )
    return str(main["id"])


async def register_child(system: System, tokens: Tokens, main_id: str) -> str:
    """The main applicant's child, registered as a family member."""
    child = await eligibility_api.register(
        system.harness("eligibility"),
        tokens,
        category="family_member",
        main_applicant_id=main_id,
        names=[CHILD_NAME],
        documents=[],
        birth_date=CHILD_BIRTH_DATE,
    )
    return str(child["id"])


async def hold_and_name_events(system: System) -> dict[str, str]:
    """Hold eligibility's events and name them: the first and second approvals and the family registration."""
    await system.hold("eligibility")
    named: dict[str, str] = {}
    approvals = ("approval", "reapproval")
    for envelope in await system.outbox_payloads("eligibility"):
        if envelope["type"] == events.APPLICANT_APPROVED:
            named[approvals[sum(1 for n in named if n in approvals)]] = str(envelope["id"])
        elif envelope["type"] == events.FAMILY_MEMBER_REGISTERED:
            named["family"] = str(envelope["id"])
    return named


async def family_on_the_case(system: System, tokens: Tokens, main_id: str) -> tuple[list[Any], str | None]:
    """The person refs on the main applicant's one case, and the assessment the case follows."""
    listed = (await system.clients["asylum"].get("/v1/cases", headers=asylum_officer(tokens))).json()["items"]
    (case,) = [c for c in listed if c["applicant_id"] == main_id]
    family = await system.clients["asylum"].get(f"/v1/cases/{case['id']}/dependants", headers=asylum_officer(tokens))
    async with system.apps["asylum"].state.engine.connect() as conn:
        followed = (await conn.execute(select(Case.assessment_id).where(Case.id == case["id"]))).scalar_one()
    return [d["person_ref"] for d in family.json()], followed


AFTER_WITH_REAPPROVAL = list(itertools.permutations(["approval", "family", "reapproval"]))


@pytest.mark.parametrize("order", AFTER_WITH_REAPPROVAL, ids=["-".join(o) for o in AFTER_WITH_REAPPROVAL])
async def test_a_child_registered_after_the_approval_joins_the_case_whatever_the_order_of_events(
    system: System, tokens: Tokens, order: tuple[str, ...]
) -> None:
    await prepare_partner(system, tokens)
    main_id = await register_main(system, tokens)
    first = await assess_and_approve(system, tokens, main_id)
    child_id = await register_child(system, tokens, main_id)
    # The re-approval names the child: eligibility now knows her.
    second = await assess_and_approve(system, tokens, main_id)
    named = await hold_and_name_events(system)
    await system.deliver_in_order("eligibility", [named[name] for name in order])
    family, followed = await family_on_the_case(system, tokens, main_id)
    assert family == [child_id]
    assert followed == second["id"] != first["id"]


BEFORE = list(itertools.permutations(["family", "approval"]))


@pytest.mark.parametrize("order", BEFORE, ids=["-".join(o) for o in BEFORE])
async def test_a_child_registered_before_the_approval_joins_the_case_once_whatever_the_order(
    system: System, tokens: Tokens, order: tuple[str, ...]
) -> None:
    await prepare_partner(system, tokens)
    main_id = await register_main(system, tokens)
    child_id = await register_child(system, tokens, main_id)
    await assess_and_approve(system, tokens, main_id)
    named = await hold_and_name_events(system)
    await system.deliver_in_order("eligibility", [named[name] for name in order])
    family, _ = await family_on_the_case(system, tokens, main_id)
    assert family == [child_id]


@pytest.mark.parametrize("order", BEFORE, ids=["-".join(o) for o in BEFORE])
async def test_a_child_registered_after_the_approval_joins_without_a_reapproval_whatever_the_order(
    system: System, tokens: Tokens, order: tuple[str, ...]
) -> None:
    await prepare_partner(system, tokens)
    main_id = await register_main(system, tokens)
    await assess_and_approve(system, tokens, main_id)
    child_id = await register_child(system, tokens, main_id)
    named = await hold_and_name_events(system)
    await system.deliver_in_order("eligibility", [named[name] for name in order])
    family, _ = await family_on_the_case(system, tokens, main_id)
    assert family == [child_id]
