"""Plain factory functions for the payments service tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import httpx

from shared.auth import CallerKind
from shared.schemas.events import APPLICANT_APPROVED, ARRIVAL_VERIFIED, CASE_STATUS_CHANGED
from tests.harness import Harness, Tokens, signed_headers

PARTNER_SCOPES = (
    "ledger:read",
    "ledger:write",
    "ledger:reverse",
    "obligations:read",
    "obligations:release",
    "obligations:approve",
    "payouts:read",
    "payouts:write",
    "payouts:approve",
    "payouts:execute",
    "bank_accounts:write",
    "bank_profile:read",
    "bank_profile:write",
)
TREASURY_IBAN = "DE89370400440532013000"
BENEFICIARY_IBAN = "GB82WEST12345698765432"


def officer(tokens: Tokens, org: str = "DE", subject: str = "officer-1") -> dict[str, str]:
    return tokens.partner(org, *PARTNER_SCOPES, subject=subject)


def auditor(tokens: Tokens, *partners: str, subject: str = "auditor-1") -> dict[str, str]:
    token = tokens.mint("AUDIT-FIRM", CallerKind.auditor, "ledger:audit", subject=subject, mandates=partners)
    return {"Authorization": f"Bearer {token}"}


def with_key(headers: dict[str, str], key: str | None = None) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key or str(uuid.uuid4())}


def approval(
    *,
    partner_id: str = "DE",
    applicant_id: str = "app-1",
    assessment_id: str | None = None,
    currency: str = "USD",
    tranches: list[tuple[int, str]] | None = None,
    stipend: tuple[int, int] | None = None,
    approved_on: date = date(2026, 11, 1),
) -> dict[str, Any]:
    parts = tranches if tranches is not None else [(250_000, "verified_arrival"), (750_000, "asylum_granted")]
    entitlements: dict[str, Any] = {
        "bounty": {
            "currency": currency,
            "total_minor": sum(amount for amount, _ in parts),
            "tranches": [{"amount_minor": amount, "trigger": trigger} for amount, trigger in parts],
        }
        if parts
        else None
    }
    if stipend is not None:
        entitlements["stipend"] = {"currency": currency, "monthly_minor": stipend[0], "months": stipend[1]}
    return {
        "applicant_id": applicant_id,
        "assessment_id": assessment_id or str(uuid.uuid4()),
        "partner_id": partner_id,
        "tier": "soldier",
        "policy_version": "2026-1",
        "approved_on": approved_on.isoformat(),
        "entitlements": entitlements,
    }


def case_changed(
    applicant_id: str, to_state: str, partner_id: str = "DE", holders: Sequence[str] = ()
) -> dict[str, Any]:
    """A case status change as asylum sends it; `holders` are the partners along the case's history."""
    return {
        "case_id": str(uuid.uuid4()),
        "applicant_id": applicant_id,
        "partner_id": partner_id,
        "from_state": "interviewed",
        "to_state": to_state,
        "changed_at": datetime.now(UTC).isoformat(),
        "holders": list(holders) or [partner_id],
    }


async def send_event(
    h: Harness, event_type: str, data: dict[str, Any], *, event_id: str | None = None, source: str | None = None
) -> httpx.Response:
    envelope = {
        "id": event_id or str(uuid.uuid4()),
        "type": event_type,
        "source": source or event_type.split(".", 1)[0],
        "occurred_at": datetime.now(UTC).isoformat(),
        "partner_id": data["partner_id"],
        "data": data,
    }
    body = json.dumps(envelope).encode()
    headers = signed_headers(h.settings.var_dir, str(envelope["source"]), body, str(envelope["id"]))
    return await h.client.post("/v1/events", content=body, headers=headers)


async def approve_applicant(h: Harness, **kwargs: Any) -> dict[str, Any]:
    data = approval(**kwargs)
    response = await send_event(h, APPLICANT_APPROVED, data)
    assert response.status_code == 204, response.text
    return data


async def verify_arrival(h: Harness, applicant_id: str, partner_id: str = "DE") -> None:
    """Eligibility's word that the applicant's arrival was verified."""
    data = {"applicant_id": applicant_id, "partner_id": partner_id, "verified_at": datetime.now(UTC).isoformat()}
    response = await send_event(h, ARRIVAL_VERIFIED, data)
    assert response.status_code == 204, response.text


async def request_release(
    h: Harness,
    tokens: Tokens,
    applicant_id: str,
    trigger: str,
    *,
    org: str = "DE",
    maker: str = "officer-1",
    evidence: dict[str, str] | None = None,
) -> httpx.Response:
    """An officer asks to release an applicant's tranches by hand on evidence."""
    body = {
        "applicant_id": applicant_id,
        "trigger": trigger,
        "evidence": evidence or {"kind": "border_crossing_record", "reference": "Frankfurt airport log 2026-11-20"},
    }
    return await h.client.post("/v1/manual-releases", json=body, headers=officer(tokens, org, subject=maker))


async def release_by_hand(
    h: Harness, tokens: Tokens, applicant_id: str, trigger: str, *, org: str = "DE", checker: str = "officer-2"
) -> dict[str, Any]:
    """Release by hand: one officer asks on evidence, another approves; returns the approved release."""
    requested = await request_release(h, tokens, applicant_id, trigger, org=org)
    assert requested.status_code == 201, requested.text
    approved = await h.client.post(
        f"/v1/manual-releases/{requested.json()['id']}/approval", headers=officer(tokens, org, subject=checker)
    )
    assert approved.status_code == 200, approved.text
    body: dict[str, Any] = approved.json()
    return body


async def grant_asylum(h: Harness, applicant_id: str, partner_id: str = "DE", holders: Sequence[str] = ()) -> None:
    """Asylum granted on a case held by `partner_id` (after `holders` before it, if it was transferred)."""
    response = await send_event(h, CASE_STATUS_CHANGED, case_changed(applicant_id, "granted", partner_id, holders))
    assert response.status_code == 204, response.text


async def open_funding(
    h: Harness, headers: dict[str, str], currency: str = "USD", amount_minor: int = 10_000_000
) -> dict[str, Any]:
    account = await h.client.post(
        "/v1/accounts",
        json={"currency": currency, "kind": "funding", "bank_iban": TREASURY_IBAN, "bank_holder": "Treasury DE"},
        headers=headers,
    )
    assert account.status_code == 201, account.text
    if amount_minor:
        funded = await h.client.post(
            "/v1/contributions",
            json={"funding_account_id": account.json()["id"], "amount_minor": amount_minor, "reference": "budget"},
            headers=with_key(headers),
        )
        assert funded.status_code == 201, funded.text
    result: dict[str, Any] = account.json()
    return result


async def register_bank_account(h: Harness, headers: dict[str, str], applicant_id: str) -> None:
    response = await h.client.put(
        f"/v1/beneficiaries/{applicant_id}/bank-account",
        json={"iban": BENEFICIARY_IBAN, "holder": "Beneficiary Holder"},
        headers=headers,
    )
    assert response.status_code == 200, response.text


async def obligations_of(h: Harness, headers: dict[str, str], applicant_id: str) -> list[dict[str, Any]]:
    response = await h.client.get("/v1/obligations", params={"applicant_id": applicant_id}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def due_obligation(
    h: Harness, headers: dict[str, str], amount_minor: int = 50_000, applicant_id: str | None = None
) -> dict[str, Any]:
    """An obligation released at approval, with the beneficiary's bank account on file."""
    applicant = applicant_id or f"app-{uuid.uuid4().hex[:8]}"
    await approve_applicant(h, applicant_id=applicant, tranches=[(amount_minor, "approval")])
    await register_bank_account(h, headers, applicant)
    (obligation,) = await obligations_of(h, headers, applicant)
    assert obligation["status"] == "due"
    return obligation


async def create_payout(
    h: Harness, headers: dict[str, str], obligation_id: str, funding_id: str, key: str | None = None, **extra: Any
) -> httpx.Response:
    body = {"obligation_id": obligation_id, "funding_account_id": funding_id, **extra}
    return await h.client.post("/v1/payouts", json=body, headers=with_key(headers, key))


async def execute(h: Harness, headers: dict[str, str], payout_id: str, key: str | None = None) -> httpx.Response:
    return await h.client.post(f"/v1/payouts/{payout_id}/execute", headers=with_key(headers, key))


async def balance_of(h: Harness, headers: dict[str, str], account_id: str) -> int:
    response = await h.client.get(f"/v1/accounts/{account_id}", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["balance_minor"])


def camt053(entries: list[tuple[str, str, str]], currency: str = "USD", version: str = "camt.053.001.08") -> bytes:
    """A schema-valid camt.053 (version 02 or 08) with one booked entry per (end-to-end id, amount, DBIT/CRDT).

    A credit carries return information (reason AC04), as a bank books a payment sent back.
    """
    status = "<Sts>BOOK</Sts>" if version == "camt.053.001.02" else "<Sts><Cd>BOOK</Cd></Sts>"
    rows = "".join(
        f"<Ntry><Amt Ccy='{currency}'>{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>{status}"
        "<BookgDt><Dt>2026-11-28</Dt></BookgDt>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
        + ("<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>" if direction == "CRDT" else "")
        + "</TxDtls></NtryDtls></Ntry>"
        for e2e, amount, direction in entries
    )
    return (
        f"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:{version}'><BkToCstmrStmt>"
        "<GrpHdr><MsgId>S</MsgId><CreDtTm>2026-11-28T06:00:00+01:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>1</Id><CreDtTm>2026-11-28T06:00:00+01:00</CreDtTm><Acct><Id><IBAN>{TREASURY_IBAN}</IBAN></Id></Acct>"
        f"<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy='{currency}'>0</Amt>"
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-28</Dt></Dt></Bal>"
        f"{rows}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


async def set_bank_profile(
    h: Harness, headers: dict[str, str], credit_transfer: str = "pain.001.001.09", statement: str = "camt.053.001.08"
) -> dict[str, Any]:
    response = await h.client.put(
        "/v1/bank-profile",
        json={"credit_transfer_version": credit_transfer, "statement_version": statement},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def paid_out(payments: Harness, headers: dict[str, str], funding_id: str, applicant: str) -> dict[str, str]:
    """An executed payout of 750.00 USD (the applicant's `asylum_granted` tranche)."""
    await approve_applicant(
        payments, applicant_id=applicant, tranches=[(25_000, "verified_arrival"), (75_000, "asylum_granted")]
    )
    await register_bank_account(payments, headers, applicant)
    await grant_asylum(payments, applicant)
    due = [o for o in await obligations_of(payments, headers, applicant) if o["status"] == "due"]
    assert [o["trigger"] for o in due] == ["asylum_granted"]
    payout = (await create_payout(payments, headers, due[0]["id"], funding_id)).json()
    executed = await execute(payments, headers, payout["id"])
    assert executed.status_code == 200, executed.text
    result: dict[str, str] = executed.json()
    return result
