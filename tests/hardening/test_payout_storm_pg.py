"""A randomized storm of concurrent payout attempts with retries on PostgreSQL: nothing paid twice, nothing lost.

Each attempt creates a payout for a random obligation and executes it, under an Idempotency-Key drawn from a
small pool per obligation, so concurrent attempts collide on the same keys and the same obligations. A share
of the requests is abandoned mid-flight (the client gives up: the request is cancelled inside the service,
before or after its commit) and retried with the same key, as a client does when a service dies between its
commit and its answer. Afterwards: every obligation was paid at most once, every executed payout has exactly
one transfer, the funding account's balance equals the sum of its entries and its start minus what was paid,
the auditor's balance check holds, and every replay of a key answered what the key first answered.

`CARROTS_PAYOUT_STORM_ATTEMPTS` sets the number of attempts: 400 by default (CI), 10000 or more on demand.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.harness import Harness, Tokens
from tests.payments.service.helpers import auditor, balance_of, due_obligation, officer, open_funding, with_key

pytestmark = pytest.mark.postgres_only

ATTEMPTS = int(os.environ.get("CARROTS_PAYOUT_STORM_ATTEMPTS", "400"))
OBLIGATIONS = 40
KEYS_PER_OBLIGATION = 3
CONCURRENCY = 16
ABANDON_SHARE = 0.15
AMOUNT = 10_000


async def _send(
    client: httpx.AsyncClient, rng: random.Random, method: str, url: str, **kwargs: Any
) -> tuple[httpx.Response | None, bool]:
    """Send a request; with ABANDON_SHARE probability give up on it after a random moment."""
    call = client.request(method, url, **kwargs)
    if rng.random() >= ABANDON_SHARE:
        return await call, False
    try:
        return await asyncio.wait_for(call, timeout=rng.uniform(0.0005, 0.02)), False
    except TimeoutError:
        return None, True


async def test_a_storm_of_concurrent_payout_attempts_pays_each_obligation_once(
    payments: Harness, tokens: Tokens
) -> None:
    rng = random.Random(int(os.environ.get("CARROTS_PAYOUT_STORM_SEED", "14")))
    headers = officer(tokens)
    start_balance = AMOUNT * OBLIGATIONS * 2
    funding = await open_funding(payments, headers, amount_minor=start_balance)
    obligations = [(await due_obligation(payments, headers, amount_minor=AMOUNT))["id"] for _ in range(OBLIGATIONS)]
    first_answers: dict[str, tuple[int, str]] = {}
    replay_mismatches: list[str] = []
    statuses: Counter[int] = Counter()
    abandoned = 0
    gate = asyncio.Semaphore(CONCURRENCY)

    def note(key: str, response: httpx.Response) -> None:
        statuses[response.status_code] += 1
        assert response.status_code < 500, response.text
        if response.status_code in {200, 201}:
            answer = (response.status_code, response.json()["id"])
            if first_answers.setdefault(key, answer) != answer:
                replay_mismatches.append(f"{key}: {first_answers[key]} then {answer}")

    async def attempt(n: int) -> None:
        nonlocal abandoned
        obligation = rng.choice(obligations)
        key = f"{obligation}:{rng.randrange(KEYS_PER_OBLIGATION)}"
        body = {"obligation_id": obligation, "funding_account_id": funding["id"]}
        async with gate:
            for _ in range(5):  # a client retries an abandoned request with the same key
                created, gave_up = await _send(
                    payments.client, rng, "POST", "/v1/payouts", json=body, headers=with_key(headers, f"c:{key}")
                )
                abandoned += gave_up
                if created is not None:
                    break
            if created is None or created.status_code != 201:
                if created is not None:
                    note(f"c:{key}", created)
                return
            note(f"c:{key}", created)
            payout_id = created.json()["id"]
            for _ in range(5):
                executed, gave_up = await _send(
                    payments.client,
                    rng,
                    "POST",
                    f"/v1/payouts/{payout_id}/execute",
                    headers=with_key(headers, f"x:{payout_id}:{n % 2}"),
                )
                abandoned += gave_up
                if executed is not None:
                    note(f"x:{payout_id}:{n % 2}", executed)
                    break

    started = time.perf_counter()
    await asyncio.gather(*(attempt(n) for n in range(ATTEMPTS)))
    elapsed = time.perf_counter() - started
    async with payments.app.state.engine.connect() as conn:
        paid_twice = (
            await conn.execute(
                text(
                    "SELECT p.obligation_id FROM transfers t JOIN payouts p ON p.id = t.payout_id"
                    " WHERE t.kind = 'payout' GROUP BY p.obligation_id HAVING count(*) > 1"
                )
            )
        ).all()
        paid = (await conn.execute(text("SELECT count(*) FROM obligations WHERE status = 'paid'"))).scalar_one()
        executed_without_one_transfer = (
            await conn.execute(
                text(
                    "SELECT p.id FROM payouts p LEFT JOIN transfers t ON t.payout_id = p.id AND t.kind = 'payout'"
                    " WHERE p.status = 'executed' GROUP BY p.id HAVING count(t.id) <> 1"
                )
            )
        ).all()
        entries_sum = (
            await conn.execute(
                text("SELECT coalesce(sum(amount_minor), 0) FROM entries WHERE account_id = :a"), {"a": funding["id"]}
            )
        ).scalar_one()
    balance = await balance_of(payments, headers, funding["id"])
    check = await payments.client.get("/v1/audit/partners/DE/balance-check", headers=auditor(tokens, "DE"))
    print(
        f"\npayout storm: {ATTEMPTS} attempts, {sum(statuses.values())} answers {dict(sorted(statuses.items()))}, "
        f"{abandoned} abandoned mid-flight and retried, {paid}/{OBLIGATIONS} obligations paid, "
        f"{len(paid_twice)} paid twice, {len(replay_mismatches)} replays that differed, {elapsed:.1f} s"
    )
    assert paid_twice == []
    assert executed_without_one_transfer == []
    assert replay_mismatches == []
    assert int(entries_sum) == balance
    assert balance == start_balance - paid * AMOUNT
    assert check.json()["ok"] is True
