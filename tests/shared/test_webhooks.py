from __future__ import annotations

import asyncio
import time

import pytest

from shared.errors import Unauthorized
from shared.webhooks import claim_event, sign_delivery, verify_signature
from tests.harness import Harness
from tests.shared.probe import tables

SECRET = b"s3cret"


def test_signature_covers_timestamp_and_body() -> None:
    body = b'{"id":"e1"}'
    headers = sign_delivery(SECRET, body, event_id="e1", event_type="t")
    verify_signature(SECRET, body, headers["Carrots-Timestamp"], headers["Carrots-Signature"])
    with pytest.raises(Unauthorized):
        verify_signature(SECRET, b'{"id":"e2"}', headers["Carrots-Timestamp"], headers["Carrots-Signature"])
    with pytest.raises(Unauthorized):
        verify_signature(b"other", body, headers["Carrots-Timestamp"], headers["Carrots-Signature"])
    with pytest.raises(Unauthorized):
        verify_signature(SECRET, body, str(int(headers["Carrots-Timestamp"]) + 1), headers["Carrots-Signature"])


def test_replayed_old_delivery_is_refused() -> None:
    body = b"{}"
    old = sign_delivery(SECRET, body, event_id="e", event_type="t", now=time.time() - 3600)
    with pytest.raises(Unauthorized, match="too old"):
        verify_signature(SECRET, body, old["Carrots-Timestamp"], old["Carrots-Signature"])


async def test_an_event_is_claimed_once(probe: Harness) -> None:
    async with probe.app.state.sessionmaker() as session, session.begin():
        assert await claim_event(session, tables, "e-1", "t") is True
        assert await claim_event(session, tables, "e-1", "t") is False
        assert await claim_event(session, tables, "e-2", "t") is True


@pytest.mark.postgres_only
async def test_concurrent_deliveries_of_one_event_claim_it_once_without_failing(probe: Harness) -> None:
    maker = probe.app.state.sessionmaker
    first_inserted = asyncio.Event()
    let_first_commit = asyncio.Event()

    async def first() -> bool:
        async with maker() as session, session.begin():
            claimed = await claim_event(session, tables, "same", "t")
            first_inserted.set()
            await let_first_commit.wait()
            return claimed

    async def second() -> bool:
        await first_inserted.wait()
        async with maker() as session, session.begin():
            return await claim_event(session, tables, "same", "t")

    one = asyncio.create_task(first())
    two = asyncio.create_task(second())
    await asyncio.sleep(0.2)
    assert not two.done(), "the second claim should wait for the first transaction"
    let_first_commit.set()
    assert sorted([await one, await two]) == [False, True]
