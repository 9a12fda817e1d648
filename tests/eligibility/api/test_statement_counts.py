"""The statements a partner's applicant read and registration cost, pinned so that none creeps back in.

Each ORM statement costs about half a millisecond of Python CPU and a round trip; these tests list the
statements a request runs, by kind and table, so that an added query fails here with the list beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

from tests.eligibility.api.helpers import applicant_body, as_officer, load_list, register
from tests.eligibility.api.test_screening_api import LISTED_AS_PETROV
from tests.harness import Harness, Tokens, backend
from tests.statements import StatementLog, counting_statements

# The document's earlier registrations and the list in force; then the rows themselves with the audit entry and
# the event (and its deliveries, when the partner subscribed): one statement on PostgreSQL, one per table on
# SQLite. The partner's current key version and its webhook subscriptions are read at most once a second per
# process (`shared.crypto`, `shared.outbox.publisher`), so whether a request reads them depends on the clock:
# they are counted apart, at most once each.
POSTGRESQL = backend() == "postgresql"
LOCK = ["SELECT"] if POSTGRESQL else []  # the document's advisory lock
TABLES = ["applicants", "applicant_documents", "audit_log", "outbox_events"]
ROWS = ["INSERT " + "+".join(TABLES)] if POSTGRESQL else [f"INSERT {t}" for t in TABLES]
REUSED = ("SELECT partner_keys", "SELECT webhook_subscriptions")
REGISTRATION = [
    *LOCK,
    "SELECT applicants",
    "SELECT sanctions_lists",
    *ROWS,
]


@contextmanager
def driver_autocommit(h: Harness) -> Iterator[list[tuple[int, bool]]]:
    """Each statement's driver connection (its id) and whether it was in autocommit mode (no transaction)."""
    seen: list[tuple[int, bool]] = []

    def before(conn: Connection, *args: Any) -> None:
        driver = conn.connection.dbapi_connection
        seen.append((id(driver), bool(getattr(driver, "autocommit", False))))

    event.listen(h.app.state.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(h.app.state.engine.sync_engine, "before_cursor_execute", before)


async def test_a_connection_that_served_a_read_runs_the_next_registration_in_a_transaction(
    eligibility: Harness, tokens: Tokens
) -> None:
    """The read's autocommit ends with it: the pool hands the same connection back with transactions on."""
    if not POSTGRESQL:
        pytest.skip("only the PostgreSQL read runs without a transaction")
    read_first = await register(eligibility, tokens, documents=[])
    with driver_autocommit(eligibility) as read:
        await eligibility.client.get(f"/v1/applicants/{read_first['id']}", headers=as_officer(tokens))
    with driver_autocommit(eligibility) as registration:
        await _post(eligibility, tokens, "75 0000009")
    [(connection, autocommit)] = read
    assert autocommit
    assert registration
    assert registration == [(connection, False)] * len(registration)


def kinds(log: StatementLog) -> list[str]:
    """`log.kinds()`, with a statement of data-modifying CTEs named by the tables it inserts into, in order."""
    return [
        "INSERT " + "+".join(re.findall(r"INSERT INTO (\w+)", sql)) if sql.startswith("WITH inserted_") else kind
        for sql, kind in zip(log.statements, log.kinds(), strict=True)
    ]


async def _post(h: Harness, tokens: Tokens, number: str, **overrides: Any) -> tuple[dict[str, Any], StatementLog]:
    body = applicant_body(documents=[{"type": "passport", "issuing_country": "RU", "number": number}], **overrides)
    with counting_statements(h.app.state.engine) as log:
        response = await h.client.post("/v1/applicants", json=body, headers=as_officer(tokens))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    found = log.kinds()
    assert all(found.count(kind) <= 1 for kind in REUSED), found
    log.statements = [sql for sql, kind in zip(log.statements, found, strict=True) if kind not in REUSED]
    return created, log


async def test_reading_an_applicant_is_one_select_and_its_audit_entry(eligibility: Harness, tokens: Tokens) -> None:
    main = await register(eligibility, tokens)
    member = await register(eligibility, tokens, category="family_member", main_applicant_id=main["id"], documents=[])
    for applicant, family in ((main, [member["id"]]), (member, [])):
        with counting_statements(eligibility.app.state.engine) as log, driver_autocommit(eligibility) as autocommit:
            response = await eligibility.client.get(f"/v1/applicants/{applicant['id']}", headers=as_officer(tokens))
        assert response.json()["family_member_ids"] == family
        if backend() == "postgresql":
            # One statement: the audit entry inserted by a CTE of the read itself.
            [statement] = log.statements
            assert statement.startswith("WITH audited AS")
            assert "INSERT INTO audit_log" in statement
            assert statement.split(")\n SELECT", 1)[1].split()[:2] == ["applicants.id,", "applicants.partner_id,"]
            # Run without a transaction (autocommit): the driver sends no BEGIN and no COMMIT, one round trip.
            assert [on for _, on in autocommit] == [True]
        else:
            assert log.kinds() == ["SELECT applicants", "INSERT audit_log"]
            assert log.round_trips == 4  # with BEGIN and COMMIT


async def test_a_page_of_applicants_is_one_select_whatever_its_length(eligibility: Harness, tokens: Tokens) -> None:
    for number in range(3):
        await register(
            eligibility,
            tokens,
            documents=[{"type": "passport", "issuing_country": "RU", "number": f"75 100000{number}"}],
        )
    with counting_statements(eligibility.app.state.engine) as log:
        page = (await eligibility.client.get("/v1/applicants?limit=2", headers=as_officer(tokens))).json()
    assert len(page["items"]) == 2
    assert log.kinds() == ["SELECT SELECT", "INSERT audit_log"]  # the page, wrapped around its limit


async def test_a_registration_reads_nothing_back(eligibility: Harness, tokens: Tokens) -> None:
    await register(eligibility, tokens)  # the partner's key exists
    _, log = await _post(eligibility, tokens, "75 0000001")
    assert kinds(log) == REGISTRATION
    assert log.round_trips == len(REGISTRATION) + 2


async def test_a_duplicate_and_a_hit_add_one_insert_each(eligibility: Harness, tokens: Tokens) -> None:
    await load_list(eligibility, tokens, LISTED_AS_PETROV)
    first, _ = await _post(eligibility, tokens, "75 0000002")
    assert first["screening_status"] == "hits"
    again, log = await _post(eligibility, tokens, "75 0000002")
    assert (again["duplicate_status"], again["screening_status"]) == ("suspected", "hits")
    # The unit of work orders the inserts of one flush by table dependencies.
    assert sorted(kinds(log)) == sorted([*REGISTRATION, "INSERT duplicate_conflicts", "INSERT screening_hits"])
