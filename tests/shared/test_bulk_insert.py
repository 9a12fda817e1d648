"""`insert_rows` stores what one executemany stores (COPY on PostgreSQL for many rows), in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from shared.bulk_insert import COPY_AT_LEAST, insert_rows
from tests.harness import Harness, backend
from tests.shared.probe import tables

N = COPY_AT_LEAST + 10
AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
MOSCOW = timezone(timedelta(hours=3))


def _audit_rows(tag: str) -> list[dict[str, Any]]:
    return [
        {
            # Another zone than UTC: stored as the same moment, as executemany stores it.
            "at": (AT + timedelta(seconds=n)).astimezone(MOSCOW),
            "actor_org": "DE",
            "actor_kind": "partner",
            "actor_subject": f"officer\t{n}\n\\",  # COPY's separators and escape inside a value
            "action": "applicant.registered",
            "resource_type": tag,
            "resource_id": f"a{n}",
            "partner_id": "DE" if n % 2 else None,
            "request_id": None,
            # None in a JSON column is JSON null (not SQL NULL), as SQLAlchemy writes it.
            "detail": None if n % 3 else {"rows": n, "name": "Иван", "nested": [1, {"ok": True}]},
        }
        for n in range(N)
    ]


async def _stored(h: Harness, tag: str) -> list[tuple[Any, ...]]:
    a = tables.audit_log
    async with h.app.state.sessionmaker() as session:
        rows = (
            await session.execute(
                select(
                    a.c.at,
                    a.c.actor_subject,
                    a.c.resource_id,
                    a.c.partner_id,
                    a.c.request_id,
                    a.c.detail,
                    a.c.detail.is_(None),
                )
                .where(a.c.resource_type == tag)
                .order_by(a.c.id)
            )
        ).all()
    return [tuple(r) for r in rows]


async def test_many_rows_are_stored_as_one_executemany_stores_them(probe: Harness) -> None:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    async with probe.app.state.sessionmaker() as session, session.begin():
        await session.execute(insert(tables.audit_log), _audit_rows("by-executemany"))
        event.listen(session.sync_session.get_bind(), "before_cursor_execute", seen)
        try:
            await insert_rows(session, tables.audit_log, _audit_rows("by-insert-rows"))
        finally:
            event.remove(session.sync_session.get_bind(), "before_cursor_execute", seen)
    expected = await _stored(probe, "by-executemany")
    assert len(expected) == N
    assert await _stored(probe, "by-insert-rows") == expected
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    # PostgreSQL takes the rows in one COPY, which SQLAlchemy never sees; SQLite in its executemany.
    assert len(inserts) == (0 if backend() == "postgresql" else 1)


async def test_columns_left_out_get_their_python_default(probe: Harness) -> None:
    d = tables.outbox_deliveries
    rows = [
        {
            "event_id": f"e{n}",
            "subscriber": "peer",
            "url": "http://peer.test",
            "status": "pending",
            "next_attempt_at": AT,
        }
        for n in range(N)
    ]
    async with probe.app.state.sessionmaker() as session, session.begin():
        await insert_rows(session, d, rows)
    async with probe.app.state.sessionmaker() as session:
        attempts = (await session.execute(select(d.c.attempts, func.count()).group_by(d.c.attempts))).all()
    assert [tuple(a) for a in attempts] == [(0, N)]


async def test_a_naive_moment_is_refused(probe: Harness) -> None:
    rows = _audit_rows("naive")
    rows[-1]["at"] = datetime(2026, 3, 1, 12, 30)
    async with probe.app.state.sessionmaker() as session, session.begin():
        with pytest.raises(Exception, match="naive datetime"):
            await insert_rows(session, tables.audit_log, rows)


async def test_a_conflicting_row_raises_an_integrity_error_and_rolls_back_to_the_savepoint(probe: Harness) -> None:
    d = tables.outbox_deliveries
    row = {"event_id": "same", "subscriber": "peer", "url": "u", "status": "pending", "attempts": 0}
    async with probe.app.state.sessionmaker() as session, session.begin():
        await insert_rows(session, tables.audit_log, _audit_rows("kept"))
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await insert_rows(session, d, [row | {"next_attempt_at": AT}] * N)
    assert len(await _stored(probe, "kept")) == N
    async with probe.app.state.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(d).where(d.c.event_id == "same"))).scalar() == 0
