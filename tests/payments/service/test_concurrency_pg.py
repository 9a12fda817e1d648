"""Concurrency rules proven on PostgreSQL with many simultaneous requests (separate connections)."""

import asyncio
from collections import Counter

import pytest
from sqlalchemy import text

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

pytestmark = pytest.mark.postgres_only


async def count_payout_transfers(payments: Harness, obligation_id: str) -> int:
    query = text(
        "SELECT count(*) FROM transfers t JOIN payouts p ON p.id = t.payout_id"
        " WHERE t.kind = 'payout' AND p.obligation_id = :id"
    )
    async with payments.app.state.engine.connect() as conn:
        return int((await conn.execute(query, {"id": obligation_id})).scalar_one())


async def test_an_obligation_is_paid_at_most_once_under_concurrent_requests(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=1_000_000)
    obligation = await due_obligation(payments, headers, amount_minor=70_000)
    created = await asyncio.gather(
        *(create_payout(payments, headers, obligation["id"], funding["id"], key=f"create-{n}") for n in range(40))
    )
    assert Counter(r.status_code for r in created) == {201: 1, 409: 39}
    payout_id = next(r.json()["id"] for r in created if r.status_code == 201)
    executed = await asyncio.gather(*(execute(payments, headers, payout_id, key=f"run-{n}") for n in range(40)))
    assert Counter(r.status_code for r in executed) == {200: 1, 409: 39}
    assert await count_payout_transfers(payments, obligation["id"]) == 1
    assert await balance_of(payments, headers, funding["id"]) == 1_000_000 - 70_000


async def test_concurrent_retries_with_one_key_create_one_payout(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    responses = await asyncio.gather(
        *(create_payout(payments, headers, obligation["id"], funding["id"], key="same-key") for _ in range(30))
    )
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
    retried = await create_payout(payments, headers, obligation["id"], funding["id"], key="same-key")
    assert retried.status_code == 201
    assert retried.headers.get("idempotent-replayed") == "true"
    async with payments.app.state.engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM payouts"))).scalar_one()
    assert count == 1


async def test_concurrent_payouts_never_overdraw_their_funding_account(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=100_000)
    payouts = []
    for _ in range(25):
        obligation = await due_obligation(payments, headers, amount_minor=10_000)
        payouts.append((await create_payout(payments, headers, obligation["id"], funding["id"])).json()["id"])
    results = await asyncio.gather(*(execute(payments, headers, payout_id) for payout_id in payouts))
    assert Counter(r.status_code for r in results) == {200: 10, 409: 15}
    assert await balance_of(payments, headers, funding["id"]) == 0
    check = await payments.client.get("/v1/audit/partners/DE/balance-check", headers=auditor(tokens, "DE"))
    assert check.json()["ok"] is True


async def test_two_checkers_approving_at_the_same_moment_approve_the_payout(payments: Harness, tokens: Tokens) -> None:
    creator = officer(tokens, subject="officer-1")
    funding = await open_funding(payments, creator, amount_minor=100_000_000)
    for trial in range(8):
        obligation = await due_obligation(payments, creator, amount_minor=6_000_000)
        payout = (await create_payout(payments, creator, obligation["id"], funding["id"])).json()
        assert payout["required_approvals"] == 2
        approve = f"/v1/payouts/{payout['id']}/approvals"
        both = await asyncio.gather(
            *(payments.client.post(approve, headers=officer(tokens, subject=f"checker-{n}")) for n in (1, 2))
        )
        assert [r.status_code for r in both] == [200, 200], trial
        read = await payments.client.get(f"/v1/payouts/{payout['id']}", headers=creator)
        assert read.json()["status"] == "approved", trial
        assert read.json()["approvals"] == ["checker-1", "checker-2"]


async def test_concurrent_reversals_of_one_contribution_answer_one_reversal_and_conflicts(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=0)
    body = {"funding_account_id": funding["id"], "amount_minor": 7_000, "reference": "typo"}
    contribution = (await payments.client.post("/v1/contributions", json=body, headers=with_key(headers))).json()
    url = f"/v1/transfers/{contribution['transfer_id']}/reversal"
    answers = await asyncio.gather(
        *(payments.client.post(url, json={"reason": "wrong"}, headers=with_key(headers)) for _ in range(12))
    )
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 11}
    assert await balance_of(payments, headers, funding["id"]) == 0


async def test_a_payout_reversed_while_its_execution_is_retried_answers_without_deadlock(
    payments: Harness, tokens: Tokens
) -> None:
    # A reversal locks the payout, then the obligation; execution the other way round. They never wait on each
    # other: a retried execution's status-guarded update does not match an executed payout, so it takes no row lock.
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=10_000_000)
    for trial in range(10):
        obligation = await due_obligation(payments, headers, amount_minor=10_000)
        payout = (await create_payout(payments, headers, obligation["id"], funding["id"])).json()
        first = await execute(payments, headers, payout["id"], key=f"first-{trial}")
        assert first.status_code == 200, first.text
        transfer_id = first.json()["transfer_id"]
        reversal = payments.client.post(
            f"/v1/transfers/{transfer_id}/reversal", json={"reason": "returned"}, headers=with_key(headers)
        )
        retries = [execute(payments, headers, payout["id"], key=f"retry-{trial}-{n}") for n in range(6)]
        reversed_, *executed = await asyncio.gather(reversal, *retries)
        assert reversed_.status_code == 201, (trial, reversed_.text)
        assert {r.status_code for r in executed} <= {409}, (trial, [r.text for r in executed if r.status_code != 409])
    check = await payments.client.get("/v1/audit/partners/DE/balance-check", headers=auditor(tokens, "DE"))
    assert check.json()["ok"] is True
    assert await balance_of(payments, headers, funding["id"]) == 10_000_000
