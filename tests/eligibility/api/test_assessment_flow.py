"""Assessments and maker-checker approvals over the API."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from services.eligibility.models import tables
from shared.schemas import events
from tests.eligibility.api.helpers import (
    UNRELATED_PERSON,
    approve,
    as_officer,
    assess,
    install_default_policy,
    load_list,
    register,
)
from tests.harness import Harness, Tokens


async def outbox_payloads(h: Harness) -> list[dict[str, object]]:
    """Every event the service wrote to its outbox."""
    engine = create_async_engine(h.database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(tables.outbox_events.c.payload))).scalars().all()
    finally:
        await engine.dispose()
    return [row if isinstance(row, dict) else json.loads(row) for row in rows]


async def approval_events(h: Harness) -> list[dict[str, object]]:
    """The approval events in the outbox (every other change has its own generic event)."""
    return [p for p in await outbox_payloads(h) if p["type"] == events.APPLICANT_APPROVED]


async def outbox_types(h: Harness) -> list[object]:
    """The type of every event in the outbox, oldest first."""
    return [p["type"] for p in await outbox_payloads(h)]


async def test_an_assessment_stores_policy_version_tier_entitlements_and_trace(
    eligibility: Harness, tokens: Tokens
) -> None:
    await install_default_policy(eligibility, tokens)
    applicant = await register(eligibility, tokens)
    response = await assess(eligibility, tokens, applicant["id"], assessment_date="2026-11-26")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["policy_version"], body["tier"], body["status"]) == (1, "deserter", "pending_approval")
    assert body["entitlements"]["bounty"]["amount"] == 10_000_000
    assert body["required_approvers"] == 2
    assert any("Tier 6 'deserter': chosen" in line for line in body["explanation"])
    read = await eligibility.client.get(f"/v1/assessments/{body['id']}", headers=as_officer(tokens))
    # SQLite drops the UTC offset of stored timestamps, so compare everything but when.
    assert {**read.json(), "created_at": None} == {**body, "created_at": None}


async def test_the_same_inputs_under_the_same_policy_give_the_same_assessment(
    eligibility: Harness, tokens: Tokens
) -> None:
    await install_default_policy(eligibility, tokens)
    applicant = await register(eligibility, tokens)
    first = (await assess(eligibility, tokens, applicant["id"], assessment_date="2026-11-26")).json()
    again = (await assess(eligibility, tokens, applicant["id"], assessment_date="2026-11-26")).json()
    same = ("policy_version", "tier", "entitlements", "totals", "required_approvers", "tiers", "explanation")
    assert {k: first[k] for k in same} == {k: again[k] for k in same}
    listed = await eligibility.client.get(f"/v1/applicants/{applicant['id']}/assessments", headers=as_officer(tokens))
    assert [a["status"] for a in listed.json()["items"]] == ["superseded", "pending_approval"]


async def test_the_assessor_cannot_approve_and_each_approver_counts_once(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    applicant = await register(eligibility, tokens)
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    own = await approve(eligibility, tokens, assessment["id"], "assessor")
    assert own.status_code == 403
    assert own.headers["content-type"].startswith("application/problem+json")
    first = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "pending_approval"
    twice = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert twice.status_code == 409
    assert await approval_events(eligibility) == []
    assert (await outbox_types(eligibility)).count("eligibility.assessment.approval_added") == 1
    second = await approve(eligibility, tokens, assessment["id"], "approver-2")
    assert second.json()["status"] == "approved"
    assert [a["approver"] for a in second.json()["approvals"]] == ["DE:approver-1", "DE:approver-2"]
    late = await approve(eligibility, tokens, assessment["id"], "approver-3")
    assert late.status_code == 409


async def test_a_smaller_outcome_needs_fewer_approvers(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    applicant = await register(eligibility, tokens, category="skilled_professional")
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    assert assessment["required_approvers"] == 1
    approved = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert approved.json()["status"] == "approved"


async def test_a_residence_path_reaches_the_approval_event(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    applicant = await register(eligibility, tokens, category="skilled_professional")
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    await approve(eligibility, tokens, assessment["id"], "approver-1")
    (payload,) = await approval_events(eligibility)
    granted = events.ApplicantApproved.model_validate(payload["data"]).entitlements
    assert (granted.residence_path, granted.asylum_track, granted.bounty) == (True, False, None)
    assert (granted.family_residence_path, granted.family_covered, granted.family_asylum) == (True, True, False)


async def test_approval_publishes_an_event_without_personal_data(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    main = await register(eligibility, tokens)
    child = await register(
        eligibility,
        tokens,
        category="family_member",
        main_applicant_id=main["id"],
        names=[{"script": "latin", "given": "Anna", "family": "Petrova"}],
        documents=[],
        birth_date="2015-02-03",
        contacts=[{"kind": "phone", "value": "+49 30 1234567"}],
    )
    assessment = (await assess(eligibility, tokens, main["id"])).json()
    await approve(eligibility, tokens, assessment["id"], "approver-1")
    await approve(eligibility, tokens, assessment["id"], "approver-2")
    (payload,) = await approval_events(eligibility)
    assert payload["type"] == events.APPLICANT_APPROVED
    event = events.ApplicantApproved.model_validate(payload["data"])
    assert (event.applicant_id, event.partner_id, event.tier) == (main["id"], "DE", "deserter")
    assert event.entitlements.bounty is not None
    assert [t.amount_minor for t in event.entitlements.bounty.tranches] == [2_500_000, 7_500_000]
    assert event.dependant_ids == [child["id"]]
    text = json.dumps(payload, ensure_ascii=False)
    for personal in ("Петров", "Petrov", "Petrova", "1999-04-01", "2015-02-03", "1234567", "+49"):
        assert personal not in text


async def test_a_rejected_decision_is_appealed_and_reassessed_by_someone_else(
    eligibility: Harness, tokens: Tokens
) -> None:
    await install_default_policy(eligibility, tokens)
    applicant = await register(eligibility, tokens)
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    rejected = await eligibility.client.post(
        f"/v1/assessments/{assessment['id']}/rejection",
        json={"reason": "service records unclear"},
        headers=as_officer(tokens, "DE", "checker"),
    )
    assert rejected.json()["status"] == "rejected"
    appeal = await eligibility.client.post(
        f"/v1/assessments/{assessment['id']}/appeals",
        json={"grounds": "new service records"},
        headers=as_officer(tokens, "DE", "intake"),
    )
    assert appeal.status_code == 201, appeal.text
    appeal_id = appeal.json()["id"]
    by_first = await eligibility.client.post(
        f"/v1/appeals/{appeal_id}/assessments", json={}, headers=as_officer(tokens, "DE", "assessor")
    )
    assert by_first.status_code == 403
    by_other = await eligibility.client.post(
        f"/v1/appeals/{appeal_id}/assessments", json={}, headers=as_officer(tokens, "DE", "second-assessor")
    )
    assert by_other.status_code == 201, by_other.text
    assert by_other.json()["appeal_id"] == appeal_id
    assert by_other.json()["assessed_by"] == "DE:second-assessor"
    read = await eligibility.client.get(f"/v1/appeals/{appeal_id}", headers=as_officer(tokens))
    assert read.json()["status"] == "reassessed"
    assert read.json()["reassessment_id"] == by_other.json()["id"]


async def test_a_pending_assessment_cannot_be_appealed(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    applicant = await register(eligibility, tokens)
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    appeal = await eligibility.client.post(
        f"/v1/assessments/{assessment['id']}/appeals", json={"grounds": "x"}, headers=as_officer(tokens)
    )
    assert appeal.status_code == 409


@pytest.mark.postgres_only
async def test_concurrent_approvals_approve_once_and_announce_once(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    applicant = await register(eligibility, tokens)
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    answers = await asyncio.gather(*(approve(eligibility, tokens, assessment["id"], f"approver-{i}") for i in range(4)))
    assert sorted(r.status_code for r in answers) == [200, 200, 409, 409]
    final = (await eligibility.client.get(f"/v1/assessments/{assessment['id']}", headers=as_officer(tokens))).json()
    assert (final["status"], len(final["approvals"])) == ("approved", 2)
    assert len(await approval_events(eligibility)) == 1
    # The first signature is announced on its own; the deciding one only by the approval event.
    assert (await outbox_types(eligibility)).count("eligibility.assessment.approval_added") == 1
