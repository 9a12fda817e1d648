"""Payout batches: many approved payouts executed in one request, each whole or not at all."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

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

URL = "/v1/payout-batches"


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
