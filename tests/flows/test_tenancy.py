"""A partner sees none of another partner's journey, in any service, and cannot act on it."""

from __future__ import annotations

from shared.auth import CallerKind
from tests.asylum.api.factories import officer as asylum_officer
from tests.eligibility.api.helpers import as_officer
from tests.flows.conftest import System
from tests.flows.journey import (
    approve_deserter,
    grant_asylum,
    obligations_by_trigger,
    payments_officer,
    publish_testimony,
    run_journey,
)
from tests.harness import Tokens
from tests.payments.service.helpers import with_key
from tests.testimony.api import factories as testimony_api


async def test_another_partner_sees_none_of_it(system: System, tokens: Tokens) -> None:
    journey = await run_journey(system, tokens)
    testimony = await publish_testimony(system, tokens, journey.approved.applicant_id)
    approved, payouts = journey.approved, (journey.arrival_payout, journey.granted_payout)
    obligation_ids = [p["obligation_id"] for p in payouts]
    eligibility, payments, asylum, testimonies = (
        system.clients[n] for n in ("eligibility", "payments", "asylum", "testimony")
    )
    pl = {
        "eligibility": as_officer(tokens, "PL"),
        "payments": payments_officer(tokens, "PL"),
        "asylum": asylum_officer(tokens, "PL"),
        "testimony": testimony_api.officer(tokens, "PL"),
    }
    pl_auditor = {
        "Authorization": "Bearer "
        + tokens.mint("AUDIT-FIRM", CallerKind.auditor, "ledger:audit", subject="auditor-pl", mandates=("PL",))
    }

    reads = [
        (eligibility, "eligibility", f"/v1/applicants/{approved.applicant_id}"),
        (eligibility, "eligibility", f"/v1/applicants/{approved.dependant_id}"),
        (eligibility, "eligibility", f"/v1/assessments/{approved.assessment['id']}"),
        (asylum, "asylum", f"/v1/cases/{approved.case_id}"),
        (asylum, "asylum", f"/v1/cases/{approved.case_id}/history"),
        (asylum, "asylum", f"/v1/cases/{approved.case_id}/dependants"),
        *[(payments, "payments", f"/v1/obligations/{o}") for o in obligation_ids],
        *[(payments, "payments", f"/v1/payouts/{p['id']}") for p in payouts],
        *[(payments, "payments", f"/v1/transfers/{p['transfer_id']}") for p in payouts],
        (payments, "payments", f"/v1/accounts/{journey.funding_id}"),
        (testimonies, "testimony", f"/v1/testimonies/{testimony['testimony_id']}"),
    ]
    for client, service, path in reads:
        response = await client.get(path, headers=pl[service])
        assert response.status_code == 404, (path, response.status_code)
    assert (await payments.get("/v1/audit/partners/DE/trial-balance", headers=pl_auditor)).status_code == 404

    lists = [
        (eligibility, "eligibility", "/v1/applicants", {}),
        (asylum, "asylum", "/v1/cases", {}),
        (payments, "payments", "/v1/obligations", {}),
        (payments, "payments", "/v1/obligations", {"applicant_id": approved.applicant_id}),
        (payments, "payments", "/v1/payouts", {}),
        (payments, "payments", "/v1/accounts", {}),
        (testimonies, "testimony", "/v1/testimonies", {}),
    ]
    for client, service, path, params in lists:
        response = await client.get(path, params=params, headers=pl[service])
        assert response.status_code == 200, (path, response.text)
        assert response.json()["items"] == [], path

    # Nor can it act on what it cannot see: every attempt is a 404 or finds nothing, and DE's records stay put.
    moved = await asylum.post(
        f"/v1/cases/{approved.case_id}/transitions",
        json={"to_state": "residence_permit", "reason": "x"},
        headers=pl["asylum"],
    )
    approval = await eligibility.post(
        f"/v1/assessments/{approved.assessment['id']}/approvals", headers=pl["eligibility"]
    )
    payout = await payments.post(
        "/v1/payouts",
        json={"obligation_id": obligation_ids[0], "funding_account_id": journey.funding_id},
        headers=with_key(pl["payments"]),
    )
    assert (moved.status_code, approval.status_code, payout.status_code) == (404, 404, 404)
    release = await payments.post(
        "/v1/manual-releases",
        json={
            "applicant_id": approved.applicant_id,
            "trigger": "asylum_granted",
            "evidence": {"kind": "court_decision", "reference": "anything"},
        },
        headers=pl["payments"],
    )
    assert release.status_code == 409
    case = await asylum.get(f"/v1/cases/{approved.case_id}", headers=asylum_officer(tokens))
    assert case.json()["state"] == "granted"
    listed = await payments.get("/v1/payouts", headers=payments_officer(tokens))
    assert len(listed.json()["items"]) == 2


async def test_another_partner_can_neither_open_a_case_for_des_applicant_nor_release_its_tranches(
    system: System, tokens: Tokens
) -> None:
    approved = await approve_deserter(system, tokens)
    asylum = system.clients["asylum"]
    opened = await asylum.post(
        "/v1/cases", json={"applicant_id": approved.applicant_id}, headers=asylum_officer(tokens, "FR")
    )
    assert opened.status_code == 422, opened.text
    assert opened.json()["type"] == "https://carrots.example/problems/applicant-not-approved"
    await system.deliver_events()
    assert (await obligations_by_trigger(system, tokens, approved.applicant_id))["asylum_granted"][
        "status"
    ] == "waiting"


async def test_a_grant_after_transfers_releases_the_tranche_of_the_partner_that_handed_the_case_on(
    system: System, tokens: Tokens
) -> None:
    approved = await approve_deserter(system, tokens)
    asylum = system.clients["asylum"]
    for sender, receiver in (("DE", "PL"), ("PL", "FR")):
        moved = await asylum.post(
            f"/v1/cases/{approved.case_id}/transfer",
            json={"to_partner": receiver, "reason": "family lives there"},
            headers=asylum_officer(tokens, sender),
        )
        assert moved.status_code == 200, moved.text
    await system.deliver_events()
    assert (await obligations_by_trigger(system, tokens, approved.applicant_id))["asylum_granted"][
        "status"
    ] == "waiting"
    await grant_asylum(system, tokens, approved.case_id, org="FR")
    granted = (await obligations_by_trigger(system, tokens, approved.applicant_id))["asylum_granted"]
    assert (granted["partner_id"], granted["status"], granted["release_basis"]) == ("DE", "due", "event")
