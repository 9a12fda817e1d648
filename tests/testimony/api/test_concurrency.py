"""A withdrawal racing a publication never leaves the publication up (real concurrent connections)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from services.testimony.models import Publication
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import give_consent, publish, redact, review_twice, submit


@pytest.mark.postgres_only
async def test_a_withdrawal_racing_a_publication_leaves_nothing_published(testimony: Harness, tokens: Tokens) -> None:
    for _ in range(8):
        t = await submit(testimony, tokens)
        consent = await give_consent(testimony, tokens, t["id"])
        derivative = await redact(testimony, tokens, t["id"])
        await review_twice(testimony, tokens, t["id"], derivative)
        withdrawal = testimony.client.post("/public/consent/withdrawals", json={"token": consent["withdrawal_token"]})
        published, withdrawn = await asyncio.gather(publish(testimony, tokens, t["id"], derivative["id"]), withdrawal)
        assert withdrawn.status_code == 200, withdrawn.text
        assert published.status_code in {201, 409}, published.text
        async with testimony.app.state.sessionmaker() as session:
            live = (
                await session.execute(
                    select(Publication.id)
                    .where(Publication.testimony_id == t["id"], Publication.taken_down_at.is_(None))
                    .execution_options(include_all_tenants=True)
                )
            ).all()
        assert live == []
