"""Payout batches: many approved payouts executed in one request, each whole or not at all."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from services.payments.ledger.models import Entry, Transfer
from services.payments.models import tables
from services.payments.obligations.models import Obligation
from shared.schemas.events import EventEnvelope
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import (
    auditor,
    balance_of,
    create_payout,
    due_obligation,
    execute,
    officer,
    open_funding,
    with_key,
)
from tests.payments.service.test_audit_api import export_and_verify, sign_head
from tests.statements import counting_statements

URL = "/v1/payout-batches"
transfers, entries, obligations = Transfer.__table__, Entry.__table__, Obligation.__table__


async def approved_payouts(
    payments: Harness, headers: dict[str, str], funding_id: str, amounts: list[int]
) -> list[str]:
    ids = []
    for amount in amounts:
        obligation = await due_obligation(payments, headers, amount_minor=amount)
        created = await create_payout(payments, headers, obligation["id"], funding_id)
        assert created.json()["status"] == "approved", created.text
        ids.append(created.json()["id"])
    return ids


async def post_batch(
    payments: Harness, headers: dict[str, str], payout_ids: list[str], key: str | None = None
) -> httpx.Response:
    return await payments.client.post(URL, json={"payout_ids": payout_ids}, headers=with_key(headers, key))


async def test_a_batch_executes_each_payout_and_refuses_the_rest_alone(
    payments: Harness, tokens: Tokens, tmp_path: Path
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=25_000)
    first, second, third = await approved_payouts(payments, headers, funding["id"], [10_000, 10_000, 10_000])
    large = await due_obligation(payments, headers, amount_minor=500_000_00)
    pending = (await create_payout(payments, headers, large["id"], funding["id"])).json()
    assert pending["status"] == "pending_approval"
    batch = [first, str(uuid.uuid4()), pending["id"], second, first, third]
    response = await post_batch(payments, headers, batch)
    assert response.status_code == 200, response.text
    body = response.json()
    # The third payout finds the funding account too low once the first two are paid.
    assert [i["status"] for i in body["items"]] == [200, 404, 409, 200, 409, 409]
    assert (body["executed"], body["refused"]) == (2, 4)
    assert body["items"][0]["payout"]["status"] == "executed"
    assert body["items"][5]["problem"]["status"] == 409
    assert await balance_of(payments, headers, funding["id"]) == 5_000
    statuses = {
        p["id"]: p["status"] for p in (await payments.client.get("/v1/payouts", headers=headers)).json()["items"]
    }
    assert (statuses[first], statuses[second], statuses[third]) == ("executed", "executed", "approved")
    audit = auditor(tokens, "DE")
    assert (await payments.client.get("/v1/audit/partners/DE/balance-check", headers=audit)).json()["ok"] is True
    await sign_head(payments, headers)
    assert (await export_and_verify(payments, tokens, tmp_path)).ok


async def test_a_batch_that_can_pay_all_takes_the_bulk_path_and_writes_what_single_executions_write(
    payments: Harness, tokens: Tokens, tmp_path: Path
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=100_000)
    alone = await approved_payouts(payments, headers, funding["id"], [1_000, 2_000])
    together = await approved_payouts(payments, headers, funding["id"], [1_000, 2_000, 3_000])
    singles = [(await execute(payments, headers, i)).json() for i in alone]
    with counting_statements(payments.app.state.engine) as log:
        response = await post_batch(payments, headers, together)
    assert response.status_code == 200, response.text
    # No savepoint per payout and no statement per payout: a handful of statements whatever the size.
    assert not [k for k in log.kinds() if "SAVEPOINT" in k.upper()], log.kinds()
    body = response.json()
    assert (body["executed"], body["refused"]) == (3, 0)
    batched = [item["payout"] for item in body["items"]]
    assert [p["id"] for p in batched] == together
    # The same answer as alone, field for field, apart from what differs by payout.
    own = {"id", "obligation_id", "applicant_id", "amount_minor", "end_to_end_id", "transfer_id", "created_at"}
    assert [{k: v for k, v in p.items() if k not in own} for p in batched] == [
        {k: v for k, v in singles[0].items() if k not in own}
    ] * 3
    assert all(p["status"] == "executed" and p["transfer_id"] for p in batched)
    assert await balance_of(payments, headers, funding["id"]) == 100_000 - 9_000
    async with payments.app.state.engine.connect() as conn:
        for payout in [*singles, *batched]:
            transfer = (await conn.execute(select(transfers).where(transfers.c.payout_id == payout["id"]))).one()
            assert (transfer.id, transfer.kind, transfer.memo) == (
                payout["transfer_id"],
                "payout",
                f"payout {payout['id']}",
            )
            legs = (
                await conn.execute(
                    select(entries.c.account_id, entries.c.amount_minor)
                    .where(entries.c.transfer_id == transfer.id)
                    .order_by(entries.c.seq)
                )
            ).all()
            assert [amount for _, amount in legs] == [payout["amount_minor"], -payout["amount_minor"]]
            assert legs[1][0] == funding["id"]
            obligation = (
                await conn.execute(select(obligations.c.status).where(obligations.c.id == payout["obligation_id"]))
            ).scalar_one()
            assert obligation == "paid"
        audits = (
            await conn.execute(
                select(tables.audit_log.c.resource_id).where(tables.audit_log.c.action == "payout.executed")
            )
        ).scalars()
        assert sorted(audits) == sorted(p["id"] for p in [*singles, *batched])
        events = [
            EventEnvelope.model_validate(payload)
            for payload in (
                await conn.execute(
                    select(tables.outbox_events.c.payload).where(
                        tables.outbox_events.c.type == "payments.payout.status_changed"
                    )
                )
            ).scalars()
        ]
    executed = [e.data for e in events if e.data["status"] == "executed"]
    assert sorted(e["payout_id"] for e in executed) == sorted(p["id"] for p in [*singles, *batched])
    assert all(set(e) == set(executed[0]) for e in executed)
    # Sent again, every payout of the batch is refused alone, as already executed, paying nothing more.
    again = await post_batch(payments, headers, together)
    assert [i["status"] for i in again.json()["items"]] == [409, 409, 409]
    assert await balance_of(payments, headers, funding["id"]) == 100_000 - 9_000
    audit = auditor(tokens, "DE")
    assert (await payments.client.get("/v1/audit/partners/DE/balance-check", headers=audit)).json()["ok"] is True
    await sign_head(payments, headers)
    assert (await export_and_verify(payments, tokens, tmp_path)).ok


async def test_the_idempotency_key_covers_the_whole_payout_batch(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=100_000)
    ids = await approved_payouts(payments, headers, funding["id"], [1_000, 2_000])
    first = await post_batch(payments, headers, ids, key="payout-batch-1")
    again = await post_batch(payments, headers, ids, key="payout-batch-1")
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert await balance_of(payments, headers, funding["id"]) == 97_000
    assert (await post_batch(payments, headers, ids[:1], key="payout-batch-1")).status_code == 422
    assert (await payments.client.post(URL, json={"payout_ids": ids}, headers=headers)).status_code == 400


async def test_a_payout_batch_holds_one_to_a_thousand_ids_and_needs_the_execute_scope(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    assert (await post_batch(payments, headers, [])).status_code == 422
    assert (await post_batch(payments, headers, ["x"] * 1001)).status_code == 422
    assert (await post_batch(payments, headers, ["x" * 65])).status_code == 422
    writer = tokens.partner("DE", "payouts:write", "payouts:read")
    assert (await post_batch(payments, writer, ["x"])).status_code == 403


@pytest.mark.postgres_only
async def test_concurrent_payout_batches_and_single_executions_pay_each_obligation_once(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=150_000)
    ids = await approved_payouts(payments, headers, funding["id"], [10_000] * 20)
    batches = [ids[n : n + 10] for n in range(0, 20, 5)] + [list(reversed(ids))]
    answers = await asyncio.gather(
        *(post_batch(payments, headers, b) for b in batches), *(execute(payments, headers, i) for i in ids[::3])
    )
    assert {a.status_code for a in answers[: len(batches)]} == {200}
    outcomes = Counter(
        item["payout"]["id"] for a in answers[: len(batches)] for item in a.json()["items"] if item["status"] == 200
    )
    outcomes.update(a.json()["id"] for a in answers[len(batches) :] if a.status_code == 200)
    # Funds for 15 of the 20: each paid at most once, and exactly 15 paid.
    assert set(outcomes.values()) == {1}
    assert len(outcomes) == 15
    assert await balance_of(payments, headers, funding["id"]) == 0
    audit = auditor(tokens, "DE")
    assert (await payments.client.get("/v1/audit/partners/DE/balance-check", headers=audit)).json()["ok"] is True
    trial = (await payments.client.get("/v1/audit/partners/DE/trial-balance", headers=audit)).json()
    assert all(c["balanced"] for c in trial["currencies"])
