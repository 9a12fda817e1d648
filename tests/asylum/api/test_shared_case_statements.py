"""The NGO's shared-case read, the hottest NGO path, runs a fixed, small number of statements."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.asylum.api.factories import move, ngo, officer, open_case
from tests.asylum.api.test_ngo_access_api import grant
from tests.harness import Harness, Tokens, backend


@contextmanager
def statements(h: Harness) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs (transaction control included)."""
    seen: list[str] = []
    engine = h.app.state.engine.sync_engine

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    def note_commit(conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "commit", note_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
        event.remove(engine, "commit", note_commit)


def kinds(seen: list[str]) -> list[str]:
    """Each statement as its verb and table: `SELECT access_grants` (its first column's), `INSERT audit_log`.

    A statement with common table expressions is `WITH` and every table it reads or writes, in order:
    `WITH dependants access_grants cases granted case_history` (`granted` being the expression read).
    """
    named = []
    for statement in seen:
        verb, *words = statement.split()
        if verb == "WITH":
            touched = re.findall(r"\b(?:FROM|JOIN|INTO) (\w+)", statement)
            named.append(" ".join(["WITH", *dict.fromkeys(touched)]))
        elif verb == "SELECT":
            named.append(f"SELECT {words[0].split('.')[0]}")
        elif verb == "INSERT":
            named.append(f"INSERT {words[1]}")
        else:
            named.append(verb)
    return named


async def shared_read(h: Harness, tokens: Tokens, case_id: str) -> list[str]:
    """The statements of one NGO read of a shared case (after a first read, so nothing is cached on the way)."""
    await h.client.get(f"/v1/shared-cases/{case_id}", headers=ngo(tokens))
    with statements(h) as seen:
        answer = await h.client.get(f"/v1/shared-cases/{case_id}", headers=ngo(tokens))
    assert answer.status_code == 200, answer.text
    return kinds(seen)


# Grant, case, whether it has family and its history in one statement.
READ = "WITH dependants access_grants cases granted case_history"
# On PostgreSQL the same statement also appends the audit entry (a data-modifying CTE over the granted row).
READ_AND_AUDIT = "WITH dependants access_grants cases audit_log granted case_history"


def one_read(*between: str) -> list[str]:
    """The statements of one audited read: on PostgreSQL one, on SQLite the read and the audit insert.

    On PostgreSQL that statement commits on its own; a transaction (and its COMMIT) is opened only for what
    follows it (`between`: the family of a case that has some).
    """
    if backend() == "postgresql":
        return [READ_AND_AUDIT, *between, *(["COMMIT"] if between else [])]
    return [READ, *between, "INSERT audit_log", "COMMIT"]


async def test_a_full_read_of_a_case_without_family_takes_one_read_and_the_audit(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "lodged")
    await grant(cases_api, tokens, case["id"], "full")
    # The read also tells there is no family: no dependants query.
    assert await shared_read(cases_api, tokens, case["id"]) == one_read()


async def test_a_full_read_of_a_case_with_family_adds_one_dependants_query(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants",
        json={"relation": "spouse", "name": "Анна Петрова", "birth_date": "1990-01-01"},
        headers=officer(tokens),
    )
    await grant(cases_api, tokens, case["id"], "full")
    assert await shared_read(cases_api, tokens, case["id"]) == one_read("SELECT dependants")


async def test_a_status_read_takes_one_read_and_the_audit(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await grant(cases_api, tokens, case["id"], "status")
    assert await shared_read(cases_api, tokens, case["id"]) == one_read()


async def test_a_read_of_a_case_not_shared_takes_one_read_and_audits_nothing(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    with statements(cases_api) as seen:
        answer = await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))
    assert answer.status_code == 404
    # On PostgreSQL the audit insert is part of the read and inserts nothing without a grant; no separate insert.
    assert kinds(seen) == [READ_AND_AUDIT if backend() == "postgresql" else READ]


@pytest.mark.postgres_only
async def test_on_postgresql_the_read_is_one_round_trip_outside_any_transaction(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await grant(cases_api, tokens, case["id"], "full")
    await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))
    engine = cases_api.app.state.engine.sync_engine
    sent: list[tuple[str, bool]] = []
    transactions: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append((statement.split()[0], conn.connection.driver_connection.autocommit))

    def note_begin(conn: Any) -> None:
        # Counted only where the driver would send BEGIN: an autocommit connection sends nothing.
        if not conn.connection.driver_connection.autocommit:
            transactions.append("BEGIN")

    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "begin", note_begin)
    try:
        answer = await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))
    finally:
        event.remove(engine, "before_cursor_execute", note)
        event.remove(engine, "begin", note_begin)
    assert answer.status_code == 200
    assert sent == [("WITH", True)]
    assert transactions == []


async def test_the_list_of_shared_cases_reads_grants_cases_family_and_history_in_one_statement(
    cases_api: Harness, tokens: Tokens
) -> None:
    for _ in range(2):
        case = await open_case(cases_api, tokens)
        await grant(cases_api, tokens, case["id"], "full")
    await cases_api.client.get("/v1/shared-cases", headers=ngo(tokens))
    with statements(cases_api) as seen:
        answer = await cases_api.client.get("/v1/shared-cases", headers=ngo(tokens))
    assert len(answer.json()["items"]) == 2
    # No query per case: neither for its history nor for a family neither case has; both reads audited at once,
    # on PostgreSQL by the same statement.
    assert kinds(seen) == one_read()
