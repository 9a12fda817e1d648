"""The main journey across all four services: approval, obligations, asylum, payouts, audit."""

from __future__ import annotations

from shared.auth import CallerKind
from tests.asylum.api.factories import officer as asylum_officer
from tests.flows.conftest import System
from tests.flows.journey import (
    ARRIVAL_MINOR,
    BOUNTY_MINOR,
    CONTRIBUTION_MINOR,
    GRANTED_MINOR,
    approve_deserter,
    fund_programme,
    grant_asylum,
    obligations_by_trigger,
    pay,
    payments_officer,
    release_arrival,
    settle,
)
from tests.harness import Tokens
from tests.payments.service.helpers import balance_of, create_payout


async def test_the_main_journey_from_approval_to_a_settled_payout(system: System, tokens: Tokens) -> None:
    payments = system.harness("payments")
    treasurer = payments_officer(tokens)

    approved = await approve_deserter(system, tokens)
    assert (approved.assessment["tier"], approved.assessment["required_approvers"]) == ("deserter", 2)
    assert approved.assessment["entitlements"]["bounty"]["amount"] == BOUNTY_MINOR

    # The approval event reached payments (two tranches, nothing due yet) and asylum (a case with the child).
    obligations = await obligations_by_trigger(system, tokens, approved.applicant_id)
    assert {t: (o["amount_minor"], o["currency"], o["status"]) for t, o in obligations.items()} == {
        "verified_arrival": (ARRIVAL_MINOR, "USD", "waiting"),
        "asylum_granted": (GRANTED_MINOR, "USD", "waiting"),
    }
    assert {o["assessment_id"] for o in obligations.values()} == {approved.assessment["id"]}
    case = (await system.clients["asylum"].get(f"/v1/cases/{approved.case_id}", headers=asylum_officer(tokens))).json()
    assert case["state"] == "registered"
    family = await system.clients["asylum"].get(
        f"/v1/cases/{approved.case_id}/dependants", headers=asylum_officer(tokens)
    )
    assert [d["person_ref"] for d in family.json()] == [approved.dependant_id]

    # The verified arrival releases the first quarter; one approver other than the creator pays it.
    funding = await fund_programme(system, tokens, approved.applicant_id)
    assert await balance_of(payments, treasurer, funding["id"]) == CONTRIBUTION_MINOR
    released = await release_arrival(system, tokens, approved.applicant_id)
    assert [(o["trigger"], o["amount_minor"], o["status"]) for o in released] == [
        ("verified_arrival", ARRIVAL_MINOR, "due")
    ]
    arrival = (await pay(system, tokens, obligations["verified_arrival"]["id"], funding["id"], "pay-arrival")).executed
    assert (arrival["status"], arrival["amount_minor"], arrival["required_approvals"]) == (
        "executed",
        ARRIVAL_MINOR,
        1,
    )
    assert await balance_of(payments, treasurer, funding["id"]) == CONTRIBUTION_MINOR - ARRIVAL_MINOR
    assert (await obligations_by_trigger(system, tokens, approved.applicant_id))["asylum_granted"]["status"] == (
        "waiting"
    )

    # The case is granted through the asylum API; its event makes the remaining three quarters due.
    granted_case = await grant_asylum(system, tokens, approved.case_id)
    assert granted_case["state"] == "granted"
    history = await system.clients["asylum"].get(
        f"/v1/cases/{approved.case_id}/history", headers=asylum_officer(tokens)
    )
    assert [h["to_state"] for h in history.json()["items"]] == [
        "registered",
        "lodged",
        "interview_scheduled",
        "interviewed",
        "granted",
    ]
    after_grant = await obligations_by_trigger(system, tokens, approved.applicant_id)
    assert {t: o["status"] for t, o in after_grant.items()} == {"verified_arrival": "paid", "asylum_granted": "due"}

    paid_granted = await pay(system, tokens, obligations["asylum_granted"]["id"], funding["id"], "pay-granted")
    granted = paid_granted.executed
    assert (granted["status"], granted["amount_minor"], granted["required_approvals"]) == (
        "executed",
        GRANTED_MINOR,
        2,
    )
    assert await balance_of(payments, treasurer, funding["id"]) == CONTRIBUTION_MINOR - BOUNTY_MINOR
    transfer = (await payments.client.get(f"/v1/transfers/{granted['transfer_id']}", headers=treasurer)).json()
    assert sorted(e["amount_minor"] for e in transfer["entries"]) == [-GRANTED_MINOR, GRANTED_MINOR]
    paid = await obligations_by_trigger(system, tokens, approved.applicant_id)
    assert {t: o["status"] for t, o in paid.items()} == {"verified_arrival": "paid", "asylum_granted": "paid"}

    # Retrying the payout call with its key replays it; any other payout of the same obligation is refused.
    replay = await create_payout(
        payments, treasurer, obligations["asylum_granted"]["id"], funding["id"], key="pay-granted"
    )
    assert replay.status_code == 201
    assert replay.json() == paid_granted.created
    assert (replay.json()["id"], replay.json()["status"]) == (granted["id"], "pending_approval")
    second = await create_payout(
        payments, treasurer, obligations["asylum_granted"]["id"], funding["id"], key="pay-granted-again"
    )
    assert second.status_code == 409
    assert second.headers["content-type"].startswith("application/problem+json")
    payouts = (await payments.client.get("/v1/payouts", headers=treasurer)).json()["items"]
    assert sorted((p["amount_minor"], p["status"]) for p in payouts) == [
        (ARRIVAL_MINOR, "executed"),
        (GRANTED_MINOR, "executed"),
    ]
    assert await balance_of(payments, treasurer, funding["id"]) == CONTRIBUTION_MINOR - BOUNTY_MINOR

    # Both payouts go to the bank in one file; the bank's statement settles them and moves no more money.
    settled = await settle(system, tokens, funding["id"], [arrival, granted])
    assert {**settled, "settled": sorted(settled["settled"])} == {
        "settled": sorted([arrival["end_to_end_id"], granted["end_to_end_id"]]),
        "returned": [],
        "unknown": [],
        "mismatched": [],
        "unchanged": [],
    }
    for payout in (arrival, granted):
        read = await payments.client.get(f"/v1/payouts/{payout['id']}", headers=treasurer)
        assert (read.json()["status"], read.json()["amount_minor"]) == ("settled", payout["amount_minor"])
    assert await balance_of(payments, treasurer, funding["id"]) == CONTRIBUTION_MINOR - BOUNTY_MINOR

    # The partner's auditor sees a balanced ledger: the contribution, two releases and two payouts.
    auditor = {
        "Authorization": "Bearer "
        + tokens.mint("AUDIT-FIRM", CallerKind.auditor, "ledger:audit", subject="auditor-1", mandates=("DE",))
    }
    trial = await payments.client.get("/v1/audit/partners/DE/trial-balance", headers=auditor)
    assert trial.status_code == 200, trial.text
    (usd,) = trial.json()["currencies"]
    assert usd["currency"] == "USD"
    assert usd["balanced"] is True
    assert usd["debits_minor"] == usd["credits_minor"] == CONTRIBUTION_MINOR - BOUNTY_MINOR
    balances = {line["kind"]: line["balance_minor"] for line in usd["accounts"]}
    assert balances == {
        "funding": CONTRIBUTION_MINOR - BOUNTY_MINOR,
        "programme_liability": -(CONTRIBUTION_MINOR - BOUNTY_MINOR),
        "beneficiary_payable": 0,
    }
    entries = await payments.client.get("/v1/audit/partners/DE/entries", headers=auditor)
    booked = sorted((e["transfer_kind"], e["amount_minor"]) for e in entries.json()["items"])
    assert booked == sorted(
        [("contribution", CONTRIBUTION_MINOR), ("contribution", -CONTRIBUTION_MINOR)]
        + [
            (kind, sign * amount)
            for kind in ("release", "payout")
            for amount in (ARRIVAL_MINOR, GRANTED_MINOR)
            for sign in (1, -1)
        ]
    )
