from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from shared.idempotency import KEY_LIFETIME, PURGE_EXPIRED_KEYS, purge_expired_keys
from tests.harness import Harness, Tokens
from tests.shared.probe import tables
from tests.statements import counting_statements


async def _work_count(h: Harness) -> int:
    async with h.app.state.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(tables.outbox_events))).scalar_one())


async def test_same_key_and_body_replays_the_first_response(probe: Harness, tokens: Tokens) -> None:
    headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": "pay-1"}
    first = await probe.client.post("/probe/transfers", json={"amount_minor": 500}, headers=headers)
    again = await probe.client.post("/probe/transfers", json={"amount_minor": 500}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await _work_count(probe) == 1


async def test_same_key_with_another_body_is_rejected(probe: Harness, tokens: Tokens) -> None:
    headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": "pay-2"}
    await probe.client.post("/probe/transfers", json={"amount_minor": 500}, headers=headers)
    other = await probe.client.post("/probe/transfers", json={"amount_minor": 501}, headers=headers)
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert await _work_count(probe) == 1


async def test_keys_are_separate_per_organisation(probe: Harness, tokens: Tokens) -> None:
    for org in ("DE", "PL"):
        r = await probe.client.post(
            "/probe/transfers",
            json={"amount_minor": 5},
            headers={**tokens.partner(org, "probe:write"), "Idempotency-Key": "same"},
        )
        assert r.status_code == 201
    assert await _work_count(probe) == 2


async def test_a_missing_required_key_is_a_bad_request_and_does_no_work(probe: Harness, tokens: Tokens) -> None:
    r = await probe.client.post(
        "/probe/transfers", json={"amount_minor": 5}, headers=tokens.partner("DE", "probe:write")
    )
    assert r.status_code == 400
    assert r.json()["type"] == "https://carrots.example/problems/idempotency-key-missing"
    assert "Idempotency-Key" in r.json()["detail"]
    assert await _work_count(probe) == 0


async def _age_keys(h: Harness, by: timedelta) -> None:
    async with h.app.state.sessionmaker() as session:
        t = tables.idempotency_keys
        await session.execute(update(t).values(created_at=datetime.now(UTC) - by))
        await session.commit()


async def test_a_key_older_than_its_lifetime_is_forgotten(probe: Harness, tokens: Tokens) -> None:
    headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": "old"}
    await probe.client.post("/probe/transfers", json={"amount_minor": 5}, headers=headers)
    await _age_keys(probe, KEY_LIFETIME + timedelta(minutes=1))
    again = await probe.client.post("/probe/transfers", json={"amount_minor": 6}, headers=headers)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert await _work_count(probe) == 2
    replayed = await probe.client.post("/probe/transfers", json={"amount_minor": 6}, headers=headers)
    assert replayed.headers.get("idempotent-replayed") == "true"


async def test_a_key_within_its_lifetime_still_replays(probe: Harness, tokens: Tokens) -> None:
    headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": "recent"}
    await probe.client.post("/probe/transfers", json={"amount_minor": 5}, headers=headers)
    await _age_keys(probe, KEY_LIFETIME - timedelta(minutes=1))
    again = await probe.client.post("/probe/transfers", json={"amount_minor": 5}, headers=headers)
    assert again.headers.get("idempotent-replayed") == "true"
    assert await _work_count(probe) == 1


async def test_purging_removes_only_expired_keys(probe: Harness, tokens: Tokens) -> None:
    for key in ("a", "b"):
        headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": key}
        await probe.client.post("/probe/transfers", json={"amount_minor": 5}, headers=headers)
    await _age_keys(probe, KEY_LIFETIME + timedelta(hours=1))
    headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": "c"}
    await probe.client.post("/probe/transfers", json={"amount_minor": 5}, headers=headers)
    async with probe.app.state.sessionmaker() as session:
        assert await purge_expired_keys(session, tables) == 2
        await session.commit()
        left = (await session.execute(select(tables.idempotency_keys.c.key))).scalars().all()
    assert left == ["c"]


async def test_the_periodic_purge_removes_expired_keys_in_its_own_transaction(probe: Harness, tokens: Tokens) -> None:
    headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": "stale"}
    await probe.client.post("/probe/transfers", json={"amount_minor": 5}, headers=headers)
    await _age_keys(probe, KEY_LIFETIME + timedelta(hours=1))
    assert PURGE_EXPIRED_KEYS.every(probe.settings) == 3600.0
    await PURGE_EXPIRED_KEYS.run(probe.app)
    async with probe.app.state.sessionmaker() as session:
        assert (await session.execute(select(tables.idempotency_keys.c.key))).first() is None


async def test_every_service_worker_schedules_the_purge(probe: Harness) -> None:
    # Every app built by create_app carries the purge among the periodic work its worker runs.
    assert PURGE_EXPIRED_KEYS in probe.app.state.periodic


async def test_request_in_flight_answers_409(probe: Harness, tokens: Tokens) -> None:
    headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": "slow"}
    gate = probe.app.state.gate
    gate.hold = True
    first = asyncio.create_task(probe.client.post("/probe/transfers", json={"amount_minor": 9}, headers=headers))
    await asyncio.wait_for(gate.entered.wait(), 5)
    second = await probe.client.post("/probe/transfers", json={"amount_minor": 9}, headers=headers)
    assert second.status_code == 409
    assert "in flight" in second.json()["detail"]
    gate.release.set()
    assert (await first).status_code == 201
    gate.hold = False
    third = await probe.client.post("/probe/transfers", json={"amount_minor": 9}, headers=headers)
    assert third.status_code == 201
    assert third.headers.get("idempotent-replayed") == "true"
    assert await _work_count(probe) == 1


@pytest.mark.postgres_only
async def test_request_in_flight_on_another_replica_answers_409(probe: Harness, tokens: Tokens) -> None:
    from tests.harness import serve
    from tests.shared.probe import create_probe_app

    replica = create_probe_app(probe.settings)
    headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": "across-replicas"}
    gate = probe.app.state.gate
    gate.hold = True
    async with serve(replica) as other:
        first = asyncio.create_task(probe.client.post("/probe/transfers", json={"amount_minor": 9}, headers=headers))
        await asyncio.wait_for(gate.entered.wait(), 5)
        second = await other.post("/probe/transfers", json={"amount_minor": 9}, headers=headers)
        assert second.status_code == 409
        gate.release.set()
        assert (await first).status_code == 201
        gate.hold = False
        third = await other.post("/probe/transfers", json={"amount_minor": 9}, headers=headers)
        assert third.headers.get("idempotent-replayed") == "true"
    assert await _work_count(probe) == 1


async def test_the_key_is_locked_and_looked_up_in_one_statement(probe: Harness, tokens: Tokens) -> None:
    headers = {**tokens.partner("DE", "probe:write"), "Idempotency-Key": "pay-one-statement"}
    await probe.client.post("/probe/transfers", json={"amount_minor": 500}, headers=headers)
    with counting_statements(probe.app.state.engine) as log:
        again = await probe.client.post("/probe/transfers", json={"amount_minor": 500}, headers=headers)
    assert again.headers.get("idempotent-replayed") == "true"
    # The replay reads the key once (on PostgreSQL with its advisory lock in the same statement), then the partner's
    # key to decrypt the stored answer when it is not cached yet; nothing else.
    others = [sql for sql in log.statements if "partner_keys" not in sql]
    assert len(others) == 1
    assert "idempotency_keys" in others[0]
