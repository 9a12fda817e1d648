"""Every change payments makes is announced on the outbox, with ids only."""

import json
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select

from services.payments.models import tables
from shared.schemas.payments import PAYOUT_STATUS_CHANGED
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import (
    BENEFICIARY_IBAN,
    TREASURY_IBAN,
    approve_applicant,
    camt053,
    create_payout,
    due_obligation,
    execute,
    obligations_of,
    officer,
    open_funding,
    paid_out,
    request_release,
    set_bank_profile,
    with_key,
)

# Audit actions that record no change: a repeat approval that was ignored, and reads of personal data.
NOT_CHANGES = frozenset({"approval.ignored", "ledger.exported", "manual_release.read", "manual_release.listed"})
# Changes announced by their own specific event rather than the generic `payments.<resource>.<action>`.
SPECIFIC_EVENTS = {"payout.executed": PAYOUT_STATUS_CHANGED}
EVIDENCE = {"kind": "witness_statement", "reference": "Statement of Olga Smirnova at the border"}
PERSONAL_DATA = ("Beneficiary Holder", BENEFICIARY_IBAN, "Treasury DE", TREASURY_IBAN, "Smirnova")


async def walk_the_journey(payments: Harness, tokens: Tokens) -> None:
    """Set the bank profile, fund, approve twice, pay (two approvers), bank-file, settle, return, reverse, sign."""
    headers = officer(tokens)
    await set_bank_profile(payments, headers, "pain.001.001.03", "camt.053.001.02")
    funding = await open_funding(payments, headers, "USD", 10_000_000)
    settled = await paid_out(payments, headers, funding["id"], "app-e1")
    returned = await paid_out(payments, headers, funding["id"], "app-e2")
    # A re-approval supersedes the released, unpaid tranche and reverses its release.
    await approve_applicant(
        payments, applicant_id="app-e3", tranches=[(40_000, "approval")], approved_on=date(2026, 1, 1)
    )
    await approve_applicant(
        payments, applicant_id="app-e3", tranches=[(60_000, "approval")], approved_on=date(2026, 2, 1)
    )
    assert "superseded" in {o["status"] for o in await obligations_of(payments, headers, "app-e3")}
    # A payout above the first threshold needs a second approver.
    large = await due_obligation(payments, headers, amount_minor=500_000)
    payout = (await create_payout(payments, headers, large["id"], funding["id"])).json()
    assert payout["status"] == "pending_approval"
    approved = await payments.client.post(
        f"/v1/payouts/{payout['id']}/approvals", headers=officer(tokens, subject="officer-2")
    )
    assert approved.status_code == 200, approved.text
    assert (await execute(payments, headers, payout["id"])).status_code == 200
    bank_file = await payments.client.post(
        "/v1/bank-files", json={"funding_account_id": funding["id"], "execution_date": "2026-11-27"}, headers=headers
    )
    assert bank_file.status_code == 200, bank_file.text
    statement = camt053(
        [(settled["end_to_end_id"], "750.00", "DBIT"), (returned["end_to_end_id"], "750.00", "CRDT")],
        version="camt.053.001.02",
    )
    imported = await payments.client.post(
        "/v1/bank-statements", content=statement, headers={**headers, "Content-Type": "application/xml"}
    )
    assert imported.status_code == 200, imported.text
    contribution = await payments.client.post(
        "/v1/contributions",
        json={"funding_account_id": funding["id"], "amount_minor": 1_000, "reference": "error"},
        headers=with_key(headers),
    )
    reversal = await payments.client.post(
        f"/v1/transfers/{contribution.json()['transfer_id']}/reversal",
        json={"reason": "booked twice"},
        headers=with_key(headers),
    )
    assert reversal.status_code == 201, reversal.text
    # A tranche released by hand on evidence, with a second officer's approval, and the release read back.
    await approve_applicant(payments, applicant_id="app-e4", tranches=[(20_000, "verified_arrival")])
    requested = await request_release(payments, tokens, "app-e4", "verified_arrival", evidence=EVIDENCE)
    assert requested.status_code == 201, requested.text
    by_hand = await payments.client.post(
        f"/v1/manual-releases/{requested.json()['id']}/approval", headers=officer(tokens, subject="officer-2")
    )
    assert by_hand.status_code == 200, by_hand.text
    assert (await payments.client.get(f"/v1/manual-releases/{requested.json()['id']}", headers=headers)).is_success
    assert len((await payments.client.post("/v1/ledger/checkpoints", headers=headers)).json()) == 1


async def read_audit_and_events(payments: Harness) -> tuple[list[Any], list[dict[str, Any]]]:
    async with payments.app.state.engine.connect() as conn:
        audit = (await conn.execute(select(tables.audit_log.c.action, tables.audit_log.c.resource_id))).all()
        events = (await conn.execute(select(tables.outbox_events.c.payload))).scalars().all()
    return list(audit), list(events)


def event_key(event: dict[str, Any]) -> tuple[str, str]:
    """The (type, resource id) an event announces."""
    data = event["data"]
    if event["type"] == PAYOUT_STATUS_CHANGED:
        return event["type"], data["payout_id"]
    return event["type"], data["resource_id"]


async def test_every_audited_change_of_the_journey_is_announced_once(payments: Harness, tokens: Tokens) -> None:
    await walk_the_journey(payments, tokens)
    audit, events = await read_audit_and_events(payments)
    changes = [(action, resource_id) for action, resource_id in audit if action not in NOT_CHANGES]
    expected = Counter(
        (SPECIFIC_EVENTS.get(action, f"payments.{action}"), resource_id) for action, resource_id in changes
    )
    announced = Counter(event_key(e) for e in events)
    missing = expected - announced
    assert not missing, f"changes audited but not announced: {sorted(missing)}"
    # No change is announced twice, nor as both a generic and a specific event.
    specific = set(SPECIFIC_EVENTS.values())
    generic = Counter(k for k in announced.elements() if k[0] not in specific)
    assert generic == Counter(k for k in expected.elements() if k[0] not in specific)
    # The journey made every kind of change the service knows.
    assert {action for action, _ in changes} >= {
        "bank_profile.set",
        "account.created",
        "contribution.recorded",
        "assessment.obligations_created",
        "obligation.released",
        "obligation.superseded",
        "bank_account.set",
        "payout.created",
        "payout.approved",
        "payout.executed",
        "transfer.reversed",
        "bank_file.created",
        "bank_statement.imported",
        "checkpoint.signed",
        "manual_release.requested",
        "manual_release.approved",
    }


async def test_no_announcement_carries_the_journeys_personal_data(payments: Harness, tokens: Tokens) -> None:
    await walk_the_journey(payments, tokens)
    _, events = await read_audit_and_events(payments)
    assert events
    for event in events:
        text = json.dumps(event)
        assert not [value for value in PERSONAL_DATA if value in text], event["type"]
