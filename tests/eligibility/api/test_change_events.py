"""Every change eligibility audits is announced as exactly one event, and no event carries personal data."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from services.eligibility.models import tables
from shared.schemas import events
from tests.eligibility.api.helpers import (
    approve,
    as_officer,
    assess,
    install_default_policy,
    load_list,
    register,
)
from tests.eligibility.api.test_intake import GOOD, HEADER, wait_for_job
from tests.harness import Harness, Tokens

LISTED_AS_PETROV = ("Ivan Sergeyevich", "PETROV", "1 Apr 1999")
# Audited reads of personal data: they are not changes, so nothing is announced for them.
READS = {"applicant.read", "applicant.listed", "screening_hits.read", "appeal.read"}
EXPECTED_CHANGES = {
    "policy.uploaded",
    "sanctions_list.loaded",
    "rescreening_job.created",
    "applicant.registered",
    "applicant.evidence_updated",
    "duplicate_conflict.resolved",
    "screening_hit.cleared",
    "waiver.requested",
    "waiver.approved",
    "assessment.created",
    "assessment.approval_added",
    "assessment.rejected",
    "appeal.filed",
    "appeal.reassessed",
    "intake_job.created",
}
PERSONAL = ("Петров", "Иван", "Petrov", "Ivan", "1999-04-01", "1234567", "records unclear", "new service records")


async def read_outbox_and_audit(h: Harness) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every outbox envelope and every audit entry the service wrote."""
    engine = create_async_engine(h.database_url)
    try:
        async with engine.connect() as conn:
            payloads = (await conn.execute(select(tables.outbox_events.c.payload))).scalars().all()
            audit = (await conn.execute(select(tables.audit_log))).mappings().all()
    finally:
        await engine.dispose()
    envelopes = [p if isinstance(p, dict) else json.loads(p) for p in payloads]
    return envelopes, [dict(row) for row in audit]


def announced_change(envelope: dict[str, Any]) -> tuple[str, str]:
    """The audited change an event announces, as (event type of that change, resource id)."""
    data = envelope["data"]
    if envelope["type"] == events.APPLICANT_APPROVED:
        # The deciding signature is announced by the approval event, not by a generic one.
        return "eligibility.assessment.approval_added", data["assessment_id"]
    if envelope["type"] == events.ARRIVAL_VERIFIED:
        # An evidence update that verifies the arrival is announced by the arrival event payments acts on.
        return "eligibility.applicant.evidence_updated", data["applicant_id"]
    if envelope["type"] == events.FAMILY_MEMBER_REGISTERED:
        # A family member's registration is announced with the main applicant, which asylum needs.
        return "eligibility.applicant.registered", data["applicant_id"]
    assert envelope["type"] == f"eligibility.{data['resource_type']}.{data['action']}"
    return envelope["type"], data["resource_id"]


async def walk_the_journey(h: Harness, tokens: Tokens) -> None:
    """Policy, list, two registrations of one passport, evidence, hits, waiver, approval, rejection, appeal, intake."""
    await install_default_policy(h, tokens)
    await load_list(h, tokens, LISTED_AS_PETROV)
    first = await register(h, tokens)
    second = await register(h, tokens)
    evidence = await h.client.patch(
        f"/v1/applicants/{first['id']}/evidence", json={"service_verified": True}, headers=as_officer(tokens)
    )
    assert evidence.status_code == 200, evidence.text
    arrival = await h.client.patch(
        f"/v1/applicants/{first['id']}/evidence",
        json={"arrived_in_partner_territory": True},
        headers=as_officer(tokens),
    )
    assert arrival.status_code == 200, arrival.text
    await register(h, tokens, category="family_member", main_applicant_id=first["id"], documents=[])
    conflicts = (await h.client.get("/v1/duplicate-conflicts", headers=as_officer(tokens))).json()["items"]
    for conflict in conflicts:
        resolved = await h.client.post(
            f"/v1/duplicate-conflicts/{conflict['reference']}/resolution",
            json={"outcome": "distinct_persons"},
            headers=as_officer(tokens, "DE", "officer"),
        )
        assert resolved.status_code == 200, resolved.text
    (first_hit,) = (
        await h.client.get(f"/v1/applicants/{first['id']}/screening-hits", headers=as_officer(tokens))
    ).json()
    (second_hit,) = (
        await h.client.get(f"/v1/applicants/{second['id']}/screening-hits", headers=as_officer(tokens))
    ).json()
    waiver = await h.client.post(
        f"/v1/screening-hits/{first_hit['id']}/waivers",
        json={"legal_basis": "General licence 8", "cap_minor": 10**12, "currency": "USD", "valid_until": "2099-12-31"},
        headers=as_officer(tokens, "DE", "requester"),
    )
    assert waiver.status_code == 201, waiver.text
    waived = await h.client.post(
        f"/v1/waivers/{waiver.json()['id']}/approval", headers=as_officer(tokens, "DE", "legal")
    )
    assert waived.status_code == 200, waived.text
    cleared = await h.client.post(
        f"/v1/screening-hits/{second_hit['id']}/clearance", headers=as_officer(tokens, "DE", "reviewer")
    )
    assert cleared.status_code == 200, cleared.text
    approved = (await assess(h, tokens, first["id"])).json()
    assert (await approve(h, tokens, approved["id"], "approver-1")).status_code == 200
    assert (await approve(h, tokens, approved["id"], "approver-2")).json()["status"] == "approved"
    rejected = (await assess(h, tokens, second["id"])).json()
    rejection = await h.client.post(
        f"/v1/assessments/{rejected['id']}/rejection",
        json={"reason": "service records unclear"},
        headers=as_officer(tokens, "DE", "checker"),
    )
    assert rejection.status_code == 200, rejection.text
    appeal = await h.client.post(
        f"/v1/assessments/{rejected['id']}/appeals",
        json={"grounds": "new service records"},
        headers=as_officer(tokens, "DE", "intake"),
    )
    assert appeal.status_code == 201, appeal.text
    assert (await h.client.get(f"/v1/appeals/{appeal.json()['id']}", headers=as_officer(tokens))).status_code == 200
    reassessed = await h.client.post(
        f"/v1/appeals/{appeal.json()['id']}/assessments", json={}, headers=as_officer(tokens, "DE", "second-assessor")
    )
    assert reassessed.status_code == 201, reassessed.text
    upload = await h.client.post(
        "/v1/intake-jobs",
        content="\n".join([HEADER, GOOD]).encode(),
        headers={**as_officer(tokens), "Content-Type": "text/csv"},
    )
    assert upload.status_code == 202, upload.text
    assert (await wait_for_job(h, tokens, upload.json()["id"]))["accepted_rows"] == 1


async def test_every_audited_change_is_announced_once_and_reads_are_not(eligibility: Harness, tokens: Tokens) -> None:
    await walk_the_journey(eligibility, tokens)
    envelopes, audit = await read_outbox_and_audit(eligibility)
    changes = [row for row in audit if row["action"] not in READS]
    assert {row["action"] for row in changes} == EXPECTED_CHANGES
    assert {row["action"] for row in audit} & READS, "the journey must read personal data too"
    audited = sorted((f"eligibility.{row['action']}", row["resource_id"]) for row in changes)
    assert sorted(announced_change(e) for e in envelopes) == audited
    assert [e["type"] for e in envelopes].count(events.APPLICANT_APPROVED) == 1
    assert [e["type"] for e in envelopes].count(events.ARRIVAL_VERIFIED) == 1
    assert [e["type"] for e in envelopes].count(events.FAMILY_MEMBER_REGISTERED) == 1


async def test_no_announced_change_carries_the_journeys_personal_data(eligibility: Harness, tokens: Tokens) -> None:
    await walk_the_journey(eligibility, tokens)
    envelopes, _ = await read_outbox_and_audit(eligibility)
    text = json.dumps(envelopes, ensure_ascii=False)
    for personal in PERSONAL:
        assert personal not in text
