"""Every stored moment keeps its zone: naive datetimes are refused, and all read back as aware UTC."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import StatementError

from tests.harness import Harness

MOSCOW = timezone(timedelta(hours=3))


def audit_row(at: datetime) -> dict[str, object]:
    return {
        "at": at,
        "actor_org": "DE",
        "actor_kind": "partner",
        "actor_subject": "officer",
        "action": "probe",
        "resource_type": "probe",
        "resource_id": "p1",
    }


async def test_a_moment_written_in_any_zone_reads_back_as_the_same_instant_in_utc(payments: Harness) -> None:
    log = payments.app.state.tables.audit_log
    written = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=MOSCOW)
    async with payments.app.state.engine.begin() as conn:
        await conn.execute(insert(log).values(**audit_row(written)))
    async with payments.app.state.engine.connect() as conn:
        read = (await conn.execute(select(log.c.at).where(log.c.action == "probe"))).scalar_one()
    assert read == written
    assert read.tzinfo is UTC
    assert read.isoformat() == "2026-03-01T09:30:15.123456+00:00"


async def test_a_naive_datetime_is_refused_and_nothing_is_written(payments: Harness) -> None:
    log = payments.app.state.tables.audit_log
    with pytest.raises(StatementError, match="naive datetime"):
        async with payments.app.state.engine.begin() as conn:
            await conn.execute(insert(log).values(**audit_row(datetime(2026, 3, 1, 12, 30))))
    async with payments.app.state.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(log))).scalar_one() == 0


async def test_comparing_a_stored_moment_with_a_naive_one_is_refused(payments: Harness) -> None:
    log = payments.app.state.tables.audit_log
    async with payments.app.state.engine.connect() as conn:
        with pytest.raises(StatementError, match="naive datetime"):
            await conn.execute(select(log.c.id).where(log.c.at < datetime(2026, 3, 1)))
