"""Family members registered in eligibility join the main applicant's case, whatever order the events come in."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest

from shared.schemas.events import APPLICANT_APPROVED, FAMILY_MEMBER_REGISTERED
from tests.asylum.api.factories import officer, send_event
from tests.asylum.api.test_events_api import approval
from tests.harness import Harness, Tokens

# Named here: parametrized coroutine tests need the marker before collection ends.
pytestmark = pytest.mark.anyio


def family_member(main: dict[str, Any], member_id: str | None = None, partner_id: str | None = None) -> dict[str, Any]:
    """Eligibility's announcement that a family member was registered for the main applicant of `main`."""
    return {
        "applicant_id": member_id or str(uuid.uuid4()),
        "main_applicant_id": main["applicant_id"],
        "partner_id": partner_id or main["partner_id"],
        "registered_at": "2026-11-27T09:00:00Z",
    }


def reapproval(first: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A later approval of the same applicant (a new assessment, a later day)."""
    return {**first, "assessment_id": str(uuid.uuid4()), "approved_on": "2026-12-01", **overrides}


async def deliver(h: Harness, *events: tuple[str, dict[str, Any]]) -> None:
    for event_type, data in events:
        response = await send_event(h, event_type, data)
        assert response.status_code == 204, response.text


async def family_of(h: Harness, tokens: Tokens, applicant_id: str, org: str = "DE") -> list[str]:
    """The person refs on the applicant's one case."""
    listed = (await h.client.get("/v1/cases", headers=officer(tokens, org))).json()["items"]
    (case,) = [c for c in listed if c["applicant_id"] == applicant_id]
    dependants = await h.client.get(f"/v1/cases/{case['id']}/dependants", headers=officer(tokens, org))
    return sorted(d["person_ref"] for d in dependants.json())


async def test_a_family_member_registered_after_the_approval_joins_the_case(cases_api: Harness, tokens: Tokens) -> None:
    main = approval(dependant_ids=[])
    member = family_member(main)
    await deliver(cases_api, (APPLICANT_APPROVED, main), (FAMILY_MEMBER_REGISTERED, member))
    assert await family_of(cases_api, tokens, main["applicant_id"]) == [member["applicant_id"]]


async def test_a_family_member_heard_of_before_the_case_exists_joins_when_it_opens(
    cases_api: Harness, tokens: Tokens
) -> None:
    main = approval(dependant_ids=[])
    member = family_member(main)
    await deliver(cases_api, (FAMILY_MEMBER_REGISTERED, member), (APPLICANT_APPROVED, main))
    assert await family_of(cases_api, tokens, main["applicant_id"]) == [member["applicant_id"]]


@pytest.mark.parametrize("family_first", [True, False])
async def test_a_member_named_by_the_approval_and_by_the_registration_joins_once(
    cases_api: Harness, tokens: Tokens, family_first: bool
) -> None:
    member_id = str(uuid.uuid4())
    main = approval(dependant_ids=[member_id])
    events = [(APPLICANT_APPROVED, main), (FAMILY_MEMBER_REGISTERED, family_member(main, member_id))]
    await deliver(cases_api, *(reversed(events) if family_first else events))
    # A repeat under a new event id adds nobody either.
    await deliver(cases_api, (FAMILY_MEMBER_REGISTERED, family_member(main, member_id)))
    assert await family_of(cases_api, tokens, main["applicant_id"]) == [member_id]


async def test_a_member_waits_until_a_later_approval_covers_the_family(cases_api: Harness, tokens: Tokens) -> None:
    first = approval(family=False, dependant_ids=[])
    member = family_member(first)
    await deliver(cases_api, (APPLICANT_APPROVED, first), (FAMILY_MEMBER_REGISTERED, member))
    assert await family_of(cases_api, tokens, first["applicant_id"]) == []
    covered = reapproval(first, entitlements={"asylum_track": True, "family_covered": True, "family_asylum": True})
    await deliver(cases_api, (APPLICANT_APPROVED, covered))
    assert await family_of(cases_api, tokens, first["applicant_id"]) == [member["applicant_id"]]


async def test_another_partners_family_registration_adds_nobody(cases_api: Harness, tokens: Tokens) -> None:
    main = approval(dependant_ids=[])
    elsewhere = family_member(main, partner_id="PL")
    await deliver(cases_api, (APPLICANT_APPROVED, main), (FAMILY_MEMBER_REGISTERED, elsewhere))
    assert await family_of(cases_api, tokens, main["applicant_id"]) == []


async def test_an_officer_cannot_add_a_person_already_on_the_case(cases_api: Harness, tokens: Tokens) -> None:
    member_id = str(uuid.uuid4())
    main = approval(dependant_ids=[member_id])
    await deliver(cases_api, (APPLICANT_APPROVED, main))
    (case,) = (await cases_api.client.get("/v1/cases", headers=officer(tokens))).json()["items"]
    again = await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants",
        json={"relation": "child", "person_ref": member_id},
        headers=officer(tokens),
    )
    assert again.status_code == 409
    assert member_id in again.json()["detail"]
    assert await family_of(cases_api, tokens, main["applicant_id"]) == [member_id]


ORDERS = list(itertools.permutations(["approval", "family", "reapproval"]))


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
async def test_approval_family_registration_and_reapproval_agree_in_every_order(
    cases_api: Harness, tokens: Tokens, order: tuple[str, ...]
) -> None:
    # The member registers after the first approval (which names nobody); the re-approval names her and grants
    # a citizenship path. Whatever order asylum hears of them, she is on the case once and the case follows the
    # re-approval.
    first = approval(dependant_ids=[])
    member = family_member(first)
    later = reapproval(
        first,
        dependant_ids=[member["applicant_id"]],
        entitlements={**first["entitlements"], "citizenship_path": True},
    )
    events = {
        "approval": (APPLICANT_APPROVED, first),
        "family": (FAMILY_MEMBER_REGISTERED, member),
        "reapproval": (APPLICANT_APPROVED, later),
    }
    await deliver(cases_api, *(events[name] for name in order))
    assert await family_of(cases_api, tokens, first["applicant_id"]) == [member["applicant_id"]]
    (case,) = (await cases_api.client.get("/v1/cases", headers=officer(tokens))).json()["items"]
    assert case["citizenship_path"] is True
