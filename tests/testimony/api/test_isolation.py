"""Testimony decides nothing elsewhere: publishing and withdrawing leave every other service untouched."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, inspect, literal_column, select, table

from carrots.registry import EVENT_ROUTES
from services.testimony.models import tables
from shared.schemas.events import TESTIMONY_TAKEN_DOWN
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import published_testimony


def select_all(name: str) -> Select[Any]:
    """Every column of every row of a table known only by name."""
    return select(literal_column("*")).select_from(table(name))


async def snapshot(h: Harness) -> dict[str, list[Any]]:
    """Every row of every table of a service's database."""
    async with h.app.state.engine.connect() as connection:
        names = await connection.run_sync(lambda c: inspect(c).get_table_names())
        return {
            name: sorted(repr(tuple(row)) for row in (await connection.execute(select_all(name))).all())
            for name in sorted(names)
            if name != "alembic_version"
        }


async def test_publishing_and_withdrawing_change_nothing_in_other_services(
    testimony: Harness, eligibility: Harness, payments: Harness, asylum: Harness, tokens: Tokens
) -> None:
    others = (eligibility, payments, asylum)
    before = [await snapshot(h) for h in others]
    journey = await published_testimony(testimony, tokens)
    withdrawal = await testimony.client.post(
        "/public/consent/withdrawals", json={"token": journey["consent"]["withdrawal_token"]}
    )
    assert withdrawal.status_code == 200
    assert [await snapshot(h) for h in others] == before


async def test_no_service_is_subscribed_to_testimony_events(testimony: Harness, tokens: Tokens) -> None:
    assert EVENT_ROUTES["testimony"] == []
    journey = await published_testimony(testimony, tokens)
    await testimony.client.post("/public/consent/withdrawals", json={"token": journey["consent"]["withdrawal_token"]})
    async with testimony.app.state.engine.connect() as connection:
        deliveries = (await connection.execute(tables.outbox_deliveries.select())).all()
        events = (await connection.execute(tables.outbox_events.select().order_by(tables.outbox_events.c.id))).all()
    # Every change of the journey is announced, in order; none of it is addressed to another service.
    assert [e.type for e in events] == [
        "testimony.testimony.submitted",
        "testimony.consent.given",
        "testimony.derivative.created",
        "testimony.derivative.reviewed",
        "testimony.derivative.reviewed",
        "testimony.publication.published",
        "testimony.consent.withdrawn",
        TESTIMONY_TAKEN_DOWN,
    ]
    assert deliveries == []
