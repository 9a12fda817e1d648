"""How many SQL statements creating a payout costs: pinned, so a change that adds round trips is seen."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from services.payments.payouts import repository
from shared.tenancy import ALL_TENANTS, TenantScopeMissing, scope_to_tenant
from tests.harness import Harness, Tokens, backend
from tests.payments.service.helpers import (
    approve_applicant,
    create_payout,
    due_obligation,
    obligations_of,
    officer,
    open_funding,
    register_bank_account,
)
from tests.statements import counting_statements


@contextmanager
def recorded_statements(payments: Harness) -> Iterator[list[str]]:
    """Every statement the app's engine sends while the block runs (savepoints included)."""
    statements: list[str] = []
    engine = payments.app.state.engine.sync_engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# The partner's current key version (that seals the stored answer) and its webhook subscriptions are read at most
# once a second per process (`shared.crypto`, `shared.outbox.publisher`), so whether a request reads them depends
# on the clock: they are counted apart, at most once each.
REUSED = ("SELECT partner_keys", "SELECT webhook_subscriptions")
# PostgreSQL: the key's advisory lock with its lookup (`SELECT ... FROM (SELECT 1)`); the obligation (locked) with
# the funding account and the bank-account check (named by its first FROM, the check's); then the payout, its audit
# entry, its event and the stored answer in one statement.
READ = "SELECT bank_accounts"
ON_POSTGRESQL = ["SELECT SELECT", READ, "WITH"]
# SQLite (no data-modifying CTE): the key's lookup, the same read, then each row in its own insert.
ON_SQLITE = [
    "SELECT idempotency_keys",
    READ,
    "INSERT payouts",
    "INSERT audit_log",
    "INSERT outbox_events",
    "INSERT idempotency_keys",
]


async def test_creating_a_payout_costs_one_read_and_one_write_on_postgresql(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    with counting_statements(payments.app.state.engine) as log:
        created = await create_payout(payments, headers, obligation["id"], funding["id"])
    assert created.status_code == 201, created.text
    assert created.json()["approvals"] == []
    kinds = log.kinds()
    assert all(kinds.count(kind) <= 1 for kind in REUSED), kinds
    # Before: 14 statements and 17 round trips (a select each for the obligation, the funding account and the bank
    # account, savepoints around the payout's insert and the key's, an approvals query), then 9 and 11.
    assert [kind for kind in kinds if kind not in REUSED] == (ON_POSTGRESQL if backend() == "postgresql" else ON_SQLITE)
    assert (log.begins, log.commits, log.rollbacks) == (1, 1, 0)
    if backend() == "postgresql":
        (write,) = [s for s in log.statements if s.startswith("WITH")]
        for table in ("payouts", "audit_log", "outbox_events", "idempotency_keys"):
            assert f"INSERT INTO {table}" in write


async def test_a_payout_from_another_partners_funding_account_answers_404(payments: Harness, tokens: Tokens) -> None:
    theirs = await open_funding(payments, officer(tokens, "FR"))
    headers = officer(tokens)
    obligation = await due_obligation(payments, headers)
    created = await create_payout(payments, headers, obligation["id"], theirs["id"])
    assert created.status_code == 404, created.text
    assert "account" in created.json()["detail"]


async def test_a_payout_of_another_partners_obligation_answers_404(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    theirs = officer(tokens, "FR")
    await register_bank_account(payments, theirs, obligation["applicant_id"])
    created = await create_payout(payments, theirs, obligation["id"], (await open_funding(payments, theirs))["id"])
    assert created.status_code == 404, created.text
    assert "obligation" in created.json()["detail"].lower()
    assert (await create_payout(payments, headers, obligation["id"], funding["id"])).status_code == 201


async def test_a_second_active_payout_of_an_obligation_is_refused_without_a_savepoint(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    assert (await create_payout(payments, headers, obligation["id"], funding["id"])).status_code == 201
    with recorded_statements(payments) as statements:
        again = await create_payout(payments, headers, obligation["id"], funding["id"])
    assert again.status_code == 409, again.text
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]


async def test_the_creation_statements_refuse_a_session_scoped_to_no_partner(payments: Harness, tokens: Tokens) -> None:
    # They bypass the session's tenant hook (Core on tables), so they check the scope themselves, failing closed.
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    maker = payments.app.state.sessionmaker
    async with maker() as session:
        with pytest.raises(TenantScopeMissing):
            await repository.source_of_payout(session, obligation["id"], funding["id"])
        scope_to_tenant(session, ALL_TENANTS)
        with pytest.raises(TenantScopeMissing):
            await repository.source_of_payout(session, obligation["id"], funding["id"])
        scope_to_tenant(session, "FR")
        assert await repository.source_of_payout(session, obligation["id"], funding["id"]) is None
        with pytest.raises(TenantScopeMissing):
            await repository.insert_payout(session, {"partner_id": "DE"})
        scope_to_tenant(session, "DE")
        found = await repository.source_of_payout(session, obligation["id"], funding["id"])
        assert found is not None
        assert (found.id, found.funding_id, found.funding_kind, found.has_bank_account) == (
            obligation["id"],
            funding["id"],
            "funding",
            True,
        )


async def test_another_partners_bank_account_for_the_same_applicant_does_not_count(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    await approve_applicant(payments, applicant_id="shared-id", tranches=[(50_000, "approval")])
    (obligation,) = await obligations_of(payments, headers, "shared-id")
    await register_bank_account(payments, officer(tokens, "FR"), "shared-id")
    created = await create_payout(payments, headers, obligation["id"], funding["id"])
    assert created.status_code == 422, created.text
    assert "bank account" in created.json()["detail"]
    await register_bank_account(payments, headers, "shared-id")
    assert (await create_payout(payments, headers, obligation["id"], funding["id"])).status_code == 201
