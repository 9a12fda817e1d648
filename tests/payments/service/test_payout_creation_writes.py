"""What creating a payout writes with it, on both databases: one statement on PostgreSQL, several on SQLite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import func, select, update

from services.payments.models import tables
from services.payments.payouts import repository
from shared.idempotency import KEY_LIFETIME
from shared.schemas.payments import PayoutRead
from shared.tenancy import scope_to_tenant
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import create_payout, due_obligation, officer, open_funding, with_key
from tests.shared.webhooks.helpers import subscribe


async def _rows(payments: Harness, table: Any, *where: Any) -> list[Any]:
    async with payments.app.state.sessionmaker() as session:
        return list((await session.execute(select(table).where(*where))).all())


async def test_a_payout_is_written_with_its_audit_entry_its_event_and_its_answer(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    body = {"obligation_id": obligation["id"], "funding_account_id": funding["id"]}
    keyed = with_key(headers, "the-one-key")
    created = await payments.client.post("/v1/payouts", json=body, headers=keyed)
    assert created.status_code == 201, created.text
    payout = created.json()
    # The answer is what `Idempotency.remember` would have sent, and what a read of the payout answers.
    assert created.content == JSONResponse(PayoutRead.model_validate(payout).model_dump(mode="json")).body
    read = await payments.client.get(f"/v1/payouts/{payout['id']}", headers=headers)
    assert read.json() == payout

    (audit,) = await _rows(payments, tables.audit_log, tables.audit_log.c.resource_id == payout["id"])
    assert (audit.action, audit.resource_type, audit.partner_id, audit.actor_org, audit.actor_subject) == (
        "payout.created",
        "payout",
        "DE",
        "DE",
        "officer-1",
    )
    assert audit.detail == {"required": payout["required_approvals"]}
    events = await _rows(payments, tables.outbox_events, tables.outbox_events.c.type == "payments.payout.created")
    (event,) = [e for e in events if e.payload["data"]["resource_id"] == payout["id"]]
    assert event.partner_id == "DE"
    assert event.payload["source"] == "payments"
    assert (event.payload["data"]["action"], event.payload["data"]["partner_id"]) == ("created", "DE")
    keys = tables.idempotency_keys
    (key,) = await _rows(payments, keys, keys.c.principal_org == "DE", keys.c.key == "the-one-key")
    assert key.response_status == 201
    assert created.content not in key.response_body  # stored encrypted

    again = await payments.client.post("/v1/payouts", json=body, headers=keyed)
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.content == created.content


async def test_a_payout_event_goes_to_each_of_the_partners_webhooks_and_no_one_elses(
    payments: Harness, tokens: Tokens
) -> None:
    ours = [await subscribe(payments, tokens, "DE", ["payments.payout.created"]) for _ in range(2)]
    await subscribe(payments, tokens, "DE", ["payments.payout.approved"])
    await subscribe(payments, tokens, "FR", ["payments.payout.created"])
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    for _ in range(2):  # the second with the subscriptions as the publisher remembers them
        obligation = await due_obligation(payments, headers)
        created = await create_payout(payments, headers, obligation["id"], funding["id"])
        assert created.status_code == 201, created.text
        events = await _rows(payments, tables.outbox_events, tables.outbox_events.c.type == "payments.payout.created")
        (event,) = [e for e in events if e.payload["data"]["resource_id"] == created.json()["id"]]
        d = tables.outbox_deliveries
        deliveries = await _rows(payments, d, d.c.event_id == event.event_id)
        assert sorted(row.subscription_id for row in deliveries) == sorted(sub["id"] for sub in ours)
        assert {(row.partner_id, row.status, row.attempts) for row in deliveries} == {("DE", "pending", 0)}


def _payout_values(obligation: dict[str, Any], funding_id: str) -> dict[str, Any]:
    payout_id = str(uuid.uuid4())
    return {
        "id": payout_id,
        "partner_id": "DE",
        "obligation_id": obligation["id"],
        "applicant_id": obligation["applicant_id"],
        "funding_account_id": funding_id,
        "currency": obligation["currency"],
        "amount_minor": obligation["amount_minor"],
        "status": "approved",
        "required_approvals": 0,
        "created_by": "officer-1",
        "end_to_end_id": payout_id.replace("-", ""),
        "transfer_id": None,
        "batch_id": None,
        "fx_rate": None,
        "fx_source": None,
        "fx_observed_at": None,
        "fx_debit_minor": None,
        "fx_residue_minor": None,
        "created_at": datetime.now(UTC),
    }


def _audit(payout_id: str) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "actor_org": "DE",
        "actor_kind": "partner",
        "actor_subject": "officer-1",
        "action": "payout.created",
        "resource_type": "payout",
        "resource_id": payout_id,
        "partner_id": "DE",
        "request_id": None,
        "detail": None,
    }


def _event() -> dict[str, Any]:
    event_id = str(uuid.uuid4())
    return {
        "event_id": event_id,
        "type": "t",
        "partner_id": "DE",
        "payload": {"id": event_id},
        "created_at": datetime.now(UTC),
    }


def _answer(key: str) -> dict[str, Any]:
    return {
        "principal_org": "DE",
        "key": key,
        "method_path": "POST /v1/payouts",
        "fingerprint": "f" * 64,
        "response_status": 201,
        "response_body": b"{}",
        "created_at": datetime.now(UTC),
    }


async def _count(session: Any, table: Any) -> int:
    return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_refused_payout_writes_nothing_else_and_a_taken_key_is_reported(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    paid = await create_payout(payments, headers, obligation["id"], funding["id"], key="taken")
    assert paid.status_code == 201, paid.text
    fresh = await due_obligation(payments, headers)
    plumbing = (tables.audit_log, tables.outbox_events, tables.idempotency_keys)
    async with payments.app.state.sessionmaker() as session:
        scope_to_tenant(session, "DE")
        before = [await _count(session, t) for t in plumbing]
        # The obligation already has an active payout: neither the payout nor anything that goes with it is written.
        second = _payout_values(obligation, funding["id"])
        assert await repository.write_created_payout(
            session, second, _audit(second["id"]), _event(), [], _answer("new")
        ) == (False, False)
        assert [await _count(session, t) for t in plumbing] == before
        # A key a twin request stored first: the payout is written, the answer is not, and the caller must refuse.
        third = _payout_values(fresh, funding["id"])
        assert await repository.write_created_payout(
            session, third, _audit(third["id"]), _event(), [], _answer("taken")
        ) == (True, False)
        await session.rollback()


async def test_a_key_past_its_lifetime_creates_a_new_payout_and_remembers_it(payments: Harness, tokens: Tokens) -> None:
    # The forgotten key is deleted and stored anew in the same transaction (in the one write on PostgreSQL).
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    first, second = [await due_obligation(payments, headers) for _ in range(2)]
    assert (await create_payout(payments, headers, first["id"], funding["id"], key="reused")).status_code == 201
    async with payments.app.state.sessionmaker() as session:
        aged = datetime.now(UTC) - KEY_LIFETIME - timedelta(minutes=1)
        await session.execute(update(tables.idempotency_keys).values(created_at=aged))
        await session.commit()
    created = await create_payout(payments, headers, second["id"], funding["id"], key="reused")
    assert created.status_code == 201, created.text
    assert created.json()["obligation_id"] == second["id"]
    again = await create_payout(payments, headers, second["id"], funding["id"], key="reused")
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    assert again.content == created.content
