"""Payments set-up and ledger checks for the fault suite, over HTTP to a real payments process."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from shared.schemas.events import APPLICANT_APPROVED
from tests.faults.stack import Database
from tests.harness import signed_headers
from tests.payments.service.helpers import BENEFICIARY_IBAN, TREASURY_IBAN, approval, with_key


def open_funding(client: httpx.Client, headers: dict[str, str], amount_minor: int) -> str:
    """A funding account holding `amount_minor`; returns its id."""
    account = client.post(
        "/v1/accounts",
        json={"currency": "USD", "kind": "funding", "bank_iban": TREASURY_IBAN, "bank_holder": "Treasury DE"},
        headers=headers,
    )
    assert account.status_code == 201, account.text
    funded = client.post(
        "/v1/contributions",
        json={"funding_account_id": account.json()["id"], "amount_minor": amount_minor, "reference": "budget"},
        headers=with_key(headers),
    )
    assert funded.status_code == 201, funded.text
    account_id: str = account.json()["id"]
    return account_id


def approval_envelope(applicant_id: str, amount_minor: int) -> dict[str, object]:
    """Eligibility's approval of an applicant with one tranche due at approval, as a signed event carries it."""
    data = approval(applicant_id=applicant_id, tranches=[(amount_minor, "approval")])
    return {
        "id": str(uuid.uuid4()),
        "type": APPLICANT_APPROVED,
        "source": "eligibility",
        "occurred_at": datetime.now(UTC).isoformat(),
        "partner_id": data["partner_id"],
        "data": data,
    }


def due_obligations(
    client: httpx.Client, headers: dict[str, str], var_dir: Path, count: int, amount_minor: int
) -> list[str]:
    """`count` obligations due now, each for its own applicant with a bank account on file; returns their ids."""
    ids = []
    for _ in range(count):
        applicant = f"app-{uuid.uuid4().hex[:10]}"
        envelope = approval_envelope(applicant, amount_minor)
        body = json.dumps(envelope).encode()
        event = client.post(
            "/v1/events", content=body, headers=signed_headers(var_dir, "eligibility", body, str(envelope["id"]))
        )
        assert event.status_code == 204, event.text
        account = client.put(
            f"/v1/beneficiaries/{applicant}/bank-account",
            json={"iban": BENEFICIARY_IBAN, "holder": "Beneficiary Holder"},
            headers=headers,
        )
        assert account.status_code == 200, account.text
        listed = client.get("/v1/obligations", params={"applicant_id": applicant}, headers=headers)
        (obligation,) = listed.json()["items"]
        assert obligation["status"] == "due", obligation
        ids.append(obligation["id"])
    return ids


@dataclass(frozen=True)
class Ledger:
    """What the payments database says after a run."""

    paid: int  # obligations paid
    paid_twice: int  # obligations with more than one payout transfer
    payouts_per_obligation_over_one: int  # obligations with more than one payout
    executed_without_one_transfer: int
    funding_balance: int
    funding_entries: int  # the sum of the funding account's entries
    unbalanced_transfers: int  # transfers whose entries do not sum to zero per currency

    @property
    def duplicated(self) -> int:
        """Obligations paid more than once, by transfer or by payout."""
        return self.paid_twice + self.payouts_per_obligation_over_one


def read_ledger(database: Database, funding_id: str) -> Ledger:
    engine = create_engine(database.sync_url)
    try:
        with engine.connect() as conn:

            def one(sql: str) -> int:
                return int(conn.execute(text(sql), {"a": funding_id}).scalar_one())

            return Ledger(
                paid=one("SELECT count(*) FROM obligations WHERE status = 'paid'"),
                paid_twice=one(
                    "SELECT count(*) FROM (SELECT p.obligation_id FROM transfers t JOIN payouts p"
                    " ON p.id = t.payout_id WHERE t.kind = 'payout' GROUP BY p.obligation_id HAVING count(*) > 1) x"
                ),
                payouts_per_obligation_over_one=one(
                    "SELECT count(*) FROM (SELECT obligation_id FROM payouts GROUP BY obligation_id"
                    " HAVING count(*) > 1) x"
                ),
                executed_without_one_transfer=one(
                    "SELECT count(*) FROM (SELECT p.id FROM payouts p LEFT JOIN transfers t ON t.payout_id = p.id"
                    " AND t.kind = 'payout' WHERE p.status = 'executed' GROUP BY p.id HAVING count(t.id) <> 1) x"
                ),
                funding_balance=one("SELECT balance_minor FROM accounts WHERE id = :a"),
                funding_entries=one("SELECT coalesce(sum(amount_minor), 0) FROM entries WHERE account_id = :a"),
                unbalanced_transfers=one(
                    "SELECT count(*) FROM (SELECT transfer_id FROM entries GROUP BY transfer_id, currency"
                    " HAVING sum(amount_minor) <> 0) x"
                ),
            )
    finally:
        engine.dispose()


def assert_paid_once_and_balanced(ledger: Ledger, check: httpx.Response, *, lost: int, funding_left: int) -> None:
    """Nothing lost or paid twice, every transfer balanced, the funding account left with `funding_left` by its
    entries as by its balance, and the auditor's balance check (`check`) passed."""
    assert lost == 0
    assert ledger.duplicated == 0
    assert ledger.executed_without_one_transfer == 0
    assert ledger.unbalanced_transfers == 0
    assert ledger.funding_entries == ledger.funding_balance == funding_left
    assert check.status_code == 200, check.text
    assert check.json()["ok"] is True
