"""Eligibility tells payments of a verified arrival and asylum of a family member, whenever they are recorded."""

from __future__ import annotations

from typing import Any

from shared.schemas import events
from tests.eligibility.api.helpers import approve, as_officer, assess, install_default_policy, load_list, register
from tests.eligibility.api.test_change_events import read_outbox_and_audit
from tests.harness import Harness, Tokens


async def published(h: Harness, event_type: str) -> list[dict[str, Any]]:
    """The payloads of every event of one type in the service's outbox, oldest first."""
    envelopes, _ = await read_outbox_and_audit(h)
    return [e["data"] for e in envelopes if e["type"] == event_type]


async def set_evidence(h: Harness, tokens: Tokens, applicant_id: str, **flags: bool) -> dict[str, Any]:
    response = await h.client.patch(f"/v1/applicants/{applicant_id}/evidence", json=flags, headers=as_officer(tokens))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def approve_fully(h: Harness, tokens: Tokens, applicant_id: str) -> None:
    assessment = (await assess(h, tokens, applicant_id)).json()
    for n in range(assessment["required_approvers"]):
        assert (await approve(h, tokens, assessment["id"], f"approver-{n}")).status_code == 200


async def test_a_newly_verified_arrival_is_announced_once(eligibility: Harness, tokens: Tokens) -> None:
    applicant = await register(eligibility, tokens)
    await set_evidence(eligibility, tokens, applicant["id"], arrived_in_partner_territory=True)
    await set_evidence(eligibility, tokens, applicant["id"], arrived_in_partner_territory=True, service_verified=True)
    arrivals = await published(eligibility, events.ARRIVAL_VERIFIED)
    assert [(a["applicant_id"], a["partner_id"]) for a in arrivals] == [(applicant["id"], "DE")]
    assert set(arrivals[0]) == {"applicant_id", "partner_id", "verified_at"}
    # The second update changed no arrival: it is announced as an ordinary evidence update.
    assert len(await published(eligibility, "eligibility.applicant.evidence_updated")) == 1


async def test_other_evidence_announces_no_arrival(eligibility: Harness, tokens: Tokens) -> None:
    applicant = await register(eligibility, tokens)
    await set_evidence(eligibility, tokens, applicant["id"], service_verified=True, left_post=True)
    await set_evidence(eligibility, tokens, applicant["id"], arrived_in_partner_territory=False)
    assert await published(eligibility, events.ARRIVAL_VERIFIED) == []


async def test_the_approval_says_whether_the_arrival_was_verified_by_then(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, ("Sergei Kuzhugetovich", "SHOIGU", "21 May 1955"))
    arrived = await register(
        eligibility, tokens, evidence={"service_verified": True, "arrived_in_partner_territory": True}
    )
    waiting = await register(
        eligibility, tokens, documents=[{"type": "passport", "issuing_country": "RU", "number": "75 7654321"}]
    )
    for applicant in (arrived, waiting):
        await approve_fully(eligibility, tokens, applicant["id"])
    approvals = await published(eligibility, events.APPLICANT_APPROVED)
    assert {a["applicant_id"]: a["arrival_verified"] for a in approvals} == {arrived["id"]: True, waiting["id"]: False}


async def test_a_family_members_registration_names_the_main_applicant(eligibility: Harness, tokens: Tokens) -> None:
    main = await register(eligibility, tokens)
    child = await register(eligibility, tokens, category="family_member", main_applicant_id=main["id"], documents=[])
    (announced,) = await published(eligibility, events.FAMILY_MEMBER_REGISTERED)
    assert (announced["applicant_id"], announced["main_applicant_id"], announced["partner_id"]) == (
        child["id"],
        main["id"],
        "DE",
    )
    # The main applicant's own registration is the ordinary announcement.
    registered = await published(eligibility, "eligibility.applicant.registered")
    assert [r["resource_id"] for r in registered] == [main["id"]]
