"""A payments process killed between its commit and its answer: the retry with the same key gets the same answer.

The process is a real uvicorn server armed with a fault (`shared.faults`) that ends it, as SIGKILL would, right
after a request's transaction commits and before its answer leaves. The client sees the connection drop, the
service is started again on the same database, and the client retries with the same `Idempotency-Key`, as a
client must when it never got an answer. Checked for payout creation and for payout execution: the retry replays
the first answer (same payout, same transfer), and the ledger holds one payout and one transfer per obligation,
balanced, with the funding account's balance equal to its entries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.devkeys import ensure_dev_signing_key
from tests.faults.money import assert_paid_once_and_balanced, due_obligations, open_funding, read_ledger
from tests.faults.stack import ServiceProcess, migrated_database, prepare_var_dir, registry_stub, stopped_at_exit
from tests.harness import Tokens
from tests.payments.service.helpers import auditor, officer

pytestmark = pytest.mark.e2e

AMOUNT = 25_000
OBLIGATIONS = 2
CREATE = "after-commit:POST /v1/payouts"
EXECUTE = "after-commit:POST /v1/payouts/{payout_id}/execute"


def _cut_off(client: httpx.Client, method: str, url: str, **kwargs: Any) -> None:
    """Send a request whose answer never comes: the armed process dies after committing it."""
    with pytest.raises(httpx.TransportError):
        client.request(method, url, **kwargs)


def test_a_payout_committed_by_a_process_killed_before_its_answer_is_replayed_on_retry(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    prepare_var_dir(var_dir)
    tokens = Tokens(ensure_dev_signing_key(var_dir))
    headers = officer(tokens)
    database = migrated_database("payments", tmp_path)
    requests = 0

    def send(method: str, url: str, key: str, **kwargs: Any) -> httpx.Response:
        nonlocal requests
        requests += 1
        return client.request(method, url, headers={**headers, "Idempotency-Key": key}, **kwargs)

    try:
        with registry_stub() as registry_url:
            payments = ServiceProcess("payments", database, var_dir, registry_url)
            with stopped_at_exit(payments), httpx.Client(base_url=payments.url, timeout=30) as client:
                payments.start(fault=CREATE)
                start_balance = AMOUNT * OBLIGATIONS * 2
                funding = open_funding(client, headers, start_balance)
                killed, calm = due_obligations(client, headers, var_dir, OBLIGATIONS, AMOUNT)
                body = {"obligation_id": killed, "funding_account_id": funding}

                # Killed after committing the payout: the client never hears of it, and retries once it is back.
                requests += 1
                _cut_off(client, "POST", "/v1/payouts", json=body, headers={**headers, "Idempotency-Key": "create-1"})
                payments.wait_for_fault()
                payments.start(fault=EXECUTE)
                created = send("POST", "/v1/payouts", "create-1", json=body)
                assert created.status_code == 201, created.text
                assert created.headers.get("idempotent-replayed") == "true"
                again = send("POST", "/v1/payouts", "create-1", json=body)
                assert (again.status_code, again.json()) == (201, created.json())
                # A client that lost its key and asks again with a new one gets no second payout.
                other_key = send("POST", "/v1/payouts", "create-2", json=body)
                assert other_key.status_code in {200, 201, 409}, other_key.text
                if other_key.status_code != 409:
                    assert other_key.json()["id"] == created.json()["id"]

                # Killed after committing the execution (the ledger transfer): the retry replays it.
                url = f"/v1/payouts/{created.json()['id']}/execute"
                requests += 1
                _cut_off(client, "POST", url, headers={**headers, "Idempotency-Key": "execute-1"})
                payments.wait_for_fault()
                payments.start()
                executed = send("POST", url, "execute-1")
                assert executed.status_code == 200, executed.text
                assert executed.headers.get("idempotent-replayed") == "true"
                assert executed.json()["status"] == "executed"
                fresh = send("POST", url, "execute-2")
                assert fresh.status_code in {200, 409}, fresh.text

                # The process as restarted keeps paying the others as usual.
                paid = send("POST", "/v1/payouts", "create-3", json={**body, "obligation_id": calm})
                assert paid.status_code == 201, paid.text
                done = send("POST", f"/v1/payouts/{paid.json()['id']}/execute", "execute-3")
                assert done.status_code == 200, done.text
                check = client.get("/v1/audit/partners/DE/balance-check", headers=auditor(tokens, "DE"))
        ledger = read_ledger(database, funding)
    finally:
        database.drop()
    lost = OBLIGATIONS - ledger.paid
    duplicated = ledger.duplicated
    print(
        f"\nkilled after commit ({database.url.split(':')[0]}): {payments.starts - 1} faults injected, "
        f"{requests} payout requests, {lost} lost, {duplicated} duplicated"
    )
    assert_paid_once_and_balanced(ledger, check, lost=lost, funding_left=start_balance - OBLIGATIONS * AMOUNT)
