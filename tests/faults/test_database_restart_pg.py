"""The database restarted (as after a crash) in the middle of a payout run: retries lose and double nothing.

Payments runs as a real uvicorn process on a private PostgreSQL cluster (`tests/faults/cluster.py`), never on
the machine's shared server. Concurrent clients create and execute payouts for random obligations under keys
that collide, and retry with the same key whenever an answer does not come or says to retry (503, or 409 while
the first request with the key is in flight). Meanwhile the cluster is stopped at once, without a clean
shutdown, and started again, twice. Afterwards every obligation is paid, each once; every key answered the same
thing every time it answered with success; every answer a client received is in the database; the ledger is
balanced, the funding balance equals its entries and its start minus what was paid, and the auditor's balance
check holds.

`CARROTS_DB_RESTART_ATTEMPTS` sets the number of payout attempts: 160 by default, more on demand.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.devkeys import ensure_dev_signing_key
from tests.faults.cluster import PrivateCluster, why_unavailable
from tests.faults.money import assert_paid_once_and_balanced, due_obligations, open_funding, read_ledger
from tests.faults.stack import ServiceProcess, migrated_database, prepare_var_dir, registry_stub, stopped_at_exit
from tests.harness import Tokens
from tests.payments.service.helpers import auditor, officer

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]

ATTEMPTS = int(os.environ.get("CARROTS_DB_RESTART_ATTEMPTS", "160"))
OBLIGATIONS = 20
KEYS_PER_OBLIGATION = 2
CONCURRENCY = 8
RESTARTS = 2
AMOUNT = 10_000
RETRY_FOR_SECONDS = 90


class Run:
    """What the clients saw."""

    def __init__(self) -> None:
        self.statuses: Counter[str] = Counter()
        self.first_answers: dict[str, tuple[int, str, str]] = {}
        self.mismatches: list[str] = []
        self.acknowledged_payouts: set[str] = set()
        self.acknowledged_executions: set[str] = set()
        self.retries = 0
        self.done = 0
        # Set when a share of the attempts is done: each one triggers a restart of the database.
        self.milestones = [asyncio.Event() for _ in range(RESTARTS)]

    def attempt_done(self) -> None:
        self.done += 1
        for step, milestone in enumerate(self.milestones, start=1):
            if self.done >= ATTEMPTS * step // (RESTARTS + 1):
                milestone.set()

    def note(self, key: str, response: httpx.Response) -> None:
        body = response.json()
        answer = (response.status_code, str(body["id"]), str(body["status"]))
        first = self.first_answers.setdefault(key, answer)
        if first != answer:
            self.mismatches.append(f"{key}: {first} then {answer}")


async def _until_answered(
    client: httpx.AsyncClient, run: Run, method: str, url: str, key: str, headers: dict[str, str], **kwargs: Any
) -> httpx.Response:
    """Send with an Idempotency-Key, and again with the same key while no final answer comes."""
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    while True:
        try:
            response = await client.request(method, url, headers={**headers, "Idempotency-Key": key}, **kwargs)
        except httpx.TransportError as error:
            run.statuses[type(error).__name__] += 1
        else:
            run.statuses[str(response.status_code)] += 1
            in_flight = response.status_code == 409 and "in flight" in response.text
            if response.status_code != 503 and not in_flight:
                return response
        assert time.monotonic() < deadline, f"{method} {url} got no final answer in {RETRY_FOR_SECONDS} s"
        run.retries += 1
        await asyncio.sleep(0.2)


async def _storm(base_url: str, headers: dict[str, str], funding: str, obligations: list[str], run: Run) -> None:
    rng = random.Random(int(os.environ.get("CARROTS_DB_RESTART_SEED", "14")))
    gate = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def attempt(n: int) -> None:
            obligation = obligations[n % len(obligations)] if n < len(obligations) else rng.choice(obligations)
            key = f"c:{obligation}:{rng.randrange(KEYS_PER_OBLIGATION)}"
            body = {"obligation_id": obligation, "funding_account_id": funding}
            async with gate:
                created = await _until_answered(client, run, "POST", "/v1/payouts", key, headers, json=body)
                assert created.status_code < 500, created.text
                if created.status_code == 201:
                    run.note(key, created)
                    run.acknowledged_payouts.add(created.json()["id"])
                    payout = created.json()["id"]
                    execute_key = f"x:{payout}:{n % KEYS_PER_OBLIGATION}"
                    url = f"/v1/payouts/{payout}/execute"
                    executed = await _until_answered(client, run, "POST", url, execute_key, headers)
                    assert executed.status_code < 500, executed.text
                    if executed.status_code == 200:
                        run.note(execute_key, executed)
                        run.acknowledged_executions.add(payout)
                run.attempt_done()

        await asyncio.gather(*(attempt(n) for n in range(ATTEMPTS)))


async def _restart_during(cluster: PrivateCluster, run: Run) -> None:
    for milestone in run.milestones:
        await milestone.wait()
        await asyncio.to_thread(cluster.restart)


async def _run(
    cluster: PrivateCluster, base_url: str, headers: dict[str, str], funding: str, obligations: list[str]
) -> Run:
    run = Run()
    await asyncio.gather(_storm(base_url, headers, funding, obligations, run), _restart_during(cluster, run))
    return run


def test_payouts_survive_database_restarts_mid_run(tmp_path: Path) -> None:
    if reason := why_unavailable():
        pytest.skip(f"a private PostgreSQL cluster cannot run here: {reason}")
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    prepare_var_dir(var_dir)
    tokens = Tokens(ensure_dev_signing_key(var_dir))
    headers = officer(tokens)
    cluster = PrivateCluster()
    try:
        cluster.init()
        database = migrated_database("payments", tmp_path, admin_url=cluster.admin_url)
        with registry_stub() as registry_url:
            payments = ServiceProcess("payments", database, var_dir, registry_url)
            with stopped_at_exit(payments), httpx.Client(base_url=payments.url, timeout=30) as client:
                payments.start()
                start_balance = AMOUNT * OBLIGATIONS * 2
                funding = open_funding(client, headers, start_balance)
                obligations = due_obligations(client, headers, var_dir, OBLIGATIONS, AMOUNT)
                started = time.perf_counter()
                run = asyncio.run(_run(cluster, payments.url, headers, funding, obligations))
                elapsed = time.perf_counter() - started
                check = client.get("/v1/audit/partners/DE/balance-check", headers=auditor(tokens, "DE"))
                listed = client.get("/v1/payouts", params={"limit": 200}, headers=headers)
        ledger = read_ledger(database, funding)
    finally:
        cluster.remove()
    in_database = {p["id"]: p["status"] for p in listed.json()["items"]}
    lost = len(run.acknowledged_payouts - in_database.keys())
    lost += sum(1 for p in run.acknowledged_executions if in_database.get(p) != "executed")
    lost += OBLIGATIONS - ledger.paid
    duplicated = ledger.duplicated
    print(
        f"\ndatabase restarted mid-run (PostgreSQL): {cluster.restarts} restarts, {ATTEMPTS} payout attempts, "
        f"{sum(run.statuses.values())} requests {dict(sorted(run.statuses.items()))}, {run.retries} retried, "
        f"{lost} lost, {duplicated} duplicated, {len(run.mismatches)} replays that differed, {elapsed:.1f} s"
    )
    assert cluster.restarts == RESTARTS
    assert run.mismatches == []
    assert_paid_once_and_balanced(ledger, check, lost=lost, funding_left=start_balance - OBLIGATIONS * AMOUNT)
