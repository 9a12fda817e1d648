"""A partner's read of one case: one pre-built statement, its tenant filter explicit, failing closed unscoped."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from services.asylum.cases.repository import read_case_row
from shared.tenancy import ALL_TENANTS, TenantScopeMissing, scope_to_tenant
from tests.asylum.api.factories import move, officer, open_case
from tests.harness import Harness, Tokens, backend


async def test_a_partner_reads_its_case_in_one_statement_and_another_partner_gets_404(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "lodged")
    await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))
    engine = cases_api.app.state.engine.sync_engine
    sent: list[tuple[str, bool | None]] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Whether the driver runs it outside a transaction (psycopg's autocommit; SQLite's driver has none).
        sent.append((" ".join(statement.split()[:1]), getattr(conn.connection.driver_connection, "autocommit", None)))

    event.listen(engine, "before_cursor_execute", note)
    try:
        read = await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert read.status_code == 200
    body = read.json()
    assert (body["id"], body["state"], body["partner_id"]) == (case["id"], "lodged", "DE")
    assert body["allowed_transitions"]
    # On PostgreSQL one round trip: the single SELECT, no BEGIN or COMMIT.
    assert [verb for verb, _ in sent] == ["SELECT"]
    if backend() == "postgresql":
        assert sent == [("SELECT", True)]
    other = await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens, "PL"))
    assert other.status_code == 404


async def test_the_read_refuses_a_session_without_a_partner(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    async with cases_api.app.state.sessionmaker() as session:
        with pytest.raises(TenantScopeMissing):
            await read_case_row(session, case["id"])
        scope_to_tenant(session, ALL_TENANTS)
        with pytest.raises(TenantScopeMissing):
            await read_case_row(session, case["id"])
        scope_to_tenant(session, "PL")
        assert await read_case_row(session, case["id"]) is None
        scope_to_tenant(session, "DE")
        found = await read_case_row(session, case["id"])
        assert found is not None
        assert found.id == case["id"]
