"""Contribution batches: many bookings in one request, each whole or not at all, idempotent as a batch."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.responses import JSONResponse

from services.payments.ledger.contributions import REFERENCE_FIELD
from services.payments.ledger.models import Contribution, Transfer
from services.payments.ledger.service import MEMO_FIELD
from services.payments.models import tables
from shared.money import MAX_AMOUNT_MINOR, MAX_BALANCE_MINOR
from shared.schemas.events import EventEnvelope
from shared.schemas.payment_batches import ContributionBatchRead
from shared.tenancy import scope_to_tenant
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import auditor, balance_of, officer, open_funding, with_key
from tests.payments.service.test_audit_api import export_and_verify, sign_head
from tests.shared.webhooks.helpers import subscribe

URL = "/v1/contribution-batches"


def items(funding_id: str, amounts: list[int]) -> list[dict[str, Any]]:
    return [
        {"funding_account_id": funding_id, "amount_minor": a, "reference": f"ref-{n}"} for n, a in enumerate(amounts)
    ]


async def post_batch(
    payments: Harness, headers: dict[str, str], batch: list[dict[str, Any]], key: str | None = None
) -> httpx.Response:
    return await payments.client.post(URL, json={"items": batch}, headers=with_key(headers, key))


async def count(payments: Harness, table: Any, *where: Any) -> int:
    async with payments.app.state.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one())


async def test_a_batch_books_every_item_balanced_and_chained(payments: Harness, tokens: Tokens, tmp_path: Path) -> None:
    headers = officer(tokens)
    usd = await open_funding(payments, headers, "USD", 0)
    eur = await open_funding(payments, headers, "EUR", 0)
    batch = items(usd["id"], [100, 250, 5]) + items(eur["id"], [70])
    response = await post_batch(payments, headers, batch)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["booked"], body["refused"]) == (4, 0)
    assert [i["status"] for i in body["items"]] == [201] * 4
    assert [i["contribution"]["reference"] for i in body["items"]] == ["ref-0", "ref-1", "ref-2", "ref-0"]
    assert await balance_of(payments, headers, usd["id"]) == 355
    assert await balance_of(payments, headers, eur["id"]) == 70
    transfer = await payments.client.get(
        f"/v1/transfers/{body['items'][1]['contribution']['transfer_id']}", headers=headers
    )
    assert transfer.json()["memo"] == "ref-1"
    assert sorted(e["amount_minor"] for e in transfer.json()["entries"]) == [-250, 250]
    audit = auditor(tokens, "DE")
    trial = (await payments.client.get("/v1/audit/partners/DE/trial-balance", headers=audit)).json()
    assert all(c["balanced"] for c in trial["currencies"])
    assert (await payments.client.get("/v1/audit/partners/DE/balance-check", headers=audit)).json()["ok"] is True
    await sign_head(payments, headers)
    report = await export_and_verify(payments, tokens, tmp_path)
    assert report.ok, report.to_text()
    assert report.records_checked == 8


async def test_a_batch_continues_the_chain_of_single_contributions(
    payments: Harness, tokens: Tokens, tmp_path: Path
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 1_000)
    assert (await post_batch(payments, headers, items(funding["id"], [1, 2, 3]))).status_code == 200
    await open_funding(payments, headers, "USD", 40)
    report = await export_and_verify(payments, tokens, tmp_path)
    assert report.ok, report.to_text()
    assert report.records_checked == 10


async def test_refused_items_write_nothing_and_stop_no_other(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 0)
    theirs = await open_funding(payments, officer(tokens, "FR"), "USD", 0)
    payable = await payments.client.post(
        "/v1/accounts", json={"currency": "USD", "kind": "beneficiary_payable"}, headers=headers
    )
    batch = [
        *items(funding["id"], [10]),
        *items(theirs["id"], [20]),
        *items(str(uuid.uuid4()), [30]),
        *items(payable.json()["id"], [40]),
        *items(funding["id"], [50]),
    ]
    response = await post_batch(payments, headers, batch)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["booked"], body["refused"]) == (2, 3)
    assert [i["status"] for i in body["items"]] == [201, 404, 404, 422, 201]
    assert [i["index"] for i in body["items"]] == [0, 1, 2, 3, 4]
    refused = body["items"][1]["problem"]
    assert (refused["status"], refused["type"].rsplit("/", 1)[1], refused["instance"]) == (404, "not-found", URL)
    assert body["items"][1]["contribution"] is None
    assert await balance_of(payments, headers, funding["id"]) == 60
    assert await balance_of(payments, officer(tokens, "FR"), theirs["id"]) == 0
    assert await count(payments, tables.audit_log, tables.audit_log.c.action == "contribution.recorded") == 2
    assert (
        await count(payments, tables.outbox_events, tables.outbox_events.c.type == "payments.contribution.recorded")
        == 2
    )
    async with payments.app.state.engine.connect() as conn:
        payloads = (
            await conn.execute(
                select(tables.outbox_events.c.payload).where(
                    tables.outbox_events.c.type == "payments.contribution.recorded"
                )
            )
        ).scalars()
        events = [EventEnvelope.model_validate(p) for p in payloads]
    assert {e.data["resource_id"] for e in events} == {body["items"][n]["contribution"]["id"] for n in (0, 4)}
    assert {(e.source, e.partner_id, e.data["action"], e.data["actor_kind"]) for e in events} == {
        ("payments", "DE", "recorded", "partner")
    }
    assert len({e.id for e in events}) == 2


async def test_the_answer_is_the_bytes_the_response_schema_renders(payments: Harness, tokens: Tokens) -> None:
    # The batch builds its answer as plain JSON; it must be byte for byte what ContributionBatchRead renders.
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 0)
    batch = [
        {"funding_account_id": funding["id"], "amount_minor": 7, "reference": "Überweisung ✓ «Q4»"},
        *items(str(uuid.uuid4()), [3]),
        *items(funding["id"], [9]),
    ]
    response = await post_batch(payments, headers, batch)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    rendered = JSONResponse(ContributionBatchRead.model_validate_json(response.content).model_dump(mode="json")).body
    assert response.content == rendered
    body = response.json()
    assert [i["status"] for i in body["items"]] == [201, 404, 201]
    assert body["items"][0]["contribution"]["created_at"].endswith("Z")
    replayed = await post_batch(payments, headers, batch, key=response.request.headers["idempotency-key"])
    assert replayed.content == response.content
    # Each booked item's reference is sealed twice, each ciphertext bound to its own column and row.
    cipher = payments.app.state.cipher
    async with payments.app.state.sessionmaker() as session:
        scope_to_tenant(session, "DE")
        for item in (body["items"][0], body["items"][2]):
            contribution = item["contribution"]
            row = (
                await session.execute(select(Contribution).where(Contribution.id == contribution["id"]))
            ).scalar_one()
            transfer = (await session.execute(select(Transfer).where(Transfer.id == row.transfer_id))).scalar_one()
            assert row.reference_enc is not None
            assert transfer.memo_enc is not None
            assert contribution["reference"] not in row.reference_enc + transfer.memo_enc
            opened = [
                await cipher.decrypt(session, "DE", row.reference_enc, field=REFERENCE_FIELD, row=row.id),
                await cipher.decrypt(session, "DE", transfer.memo_enc, field=MEMO_FIELD, row=transfer.id),
            ]
            assert opened == [contribution["reference"]] * 2


async def test_a_large_batch_writes_an_audit_entry_an_event_and_a_delivery_per_booked_item(
    payments: Harness, tokens: Tokens
) -> None:
    # 60 items: past the size from which the audit and outbox rows are streamed with COPY on PostgreSQL.
    hook = await subscribe(payments, tokens, "DE", ["payments.contribution.recorded"])
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 0)
    response = await post_batch(payments, headers, [*items(funding["id"], [5] * 60), *items(str(uuid.uuid4()), [1])])
    assert (response.json()["booked"], response.json()["refused"]) == (60, 1)
    booked = {i["contribution"]["id"] for i in response.json()["items"] if i["status"] == 201}
    e, d, a = tables.outbox_events, tables.outbox_deliveries, tables.audit_log
    async with payments.app.state.engine.connect() as conn:
        events = {
            row.event_id: EventEnvelope.model_validate(row.payload)
            for row in await conn.execute(
                select(e.c.event_id, e.c.payload).where(e.c.type == "payments.contribution.recorded")
            )
        }
        deliveries = (await conn.execute(select(d.c.event_id, d.c.subscriber, d.c.partner_id))).all()
        audited = (await conn.execute(select(a.c.resource_id).where(a.c.action == "contribution.recorded"))).scalars()
        assert sorted(audited) == sorted(booked)
    assert {env.data["resource_id"] for env in events.values()} == booked
    assert all(env.partner_id == "DE" and env.source == "payments" for env in events.values())
    hooked = [
        (event_id, partner) for event_id, subscriber, partner in deliveries if subscriber == f"webhook:{hook['id']}"
    ]
    assert sorted(hooked) == sorted((event_id, "DE") for event_id in events)


async def test_an_item_past_the_balance_limit_is_refused_alone(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 0)
    full = MAX_BALANCE_MINOR // MAX_AMOUNT_MINOR
    first = await post_batch(payments, headers, items(funding["id"], [MAX_AMOUNT_MINOR] * full))
    assert first.json()["booked"] == full
    second = await post_batch(payments, headers, items(funding["id"], [1, MAX_AMOUNT_MINOR]))
    assert [i["status"] for i in second.json()["items"]] == [409, 409]
    assert await balance_of(payments, headers, funding["id"]) == MAX_BALANCE_MINOR


async def test_the_idempotency_key_covers_the_whole_batch(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 0)
    batch = items(funding["id"], [100, 200])
    first = await post_batch(payments, headers, batch, key="batch-1")
    again = await post_batch(payments, headers, batch, key="batch-1")
    assert again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert await balance_of(payments, headers, funding["id"]) == 300
    other = await post_batch(payments, headers, items(funding["id"], [100, 201]), key="batch-1")
    assert other.status_code == 422
    missing = await payments.client.post(URL, json={"items": batch}, headers=headers)
    assert missing.status_code == 400
    assert await balance_of(payments, headers, funding["id"]) == 300


async def test_a_batch_holds_one_to_a_thousand_valid_items(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 0)
    assert (await post_batch(payments, headers, [])).status_code == 422
    assert (await post_batch(payments, headers, items(funding["id"], [1] * 1001))).status_code == 422
    assert (await post_batch(payments, headers, items(funding["id"], [1, 0]))).status_code == 422
    assert (await post_batch(payments, headers, items(funding["id"], [1, True]))).status_code == 422
    assert await balance_of(payments, headers, funding["id"]) == 0
    assert (await post_batch(payments, headers, items(funding["id"], [1] * 1000))).json()["booked"] == 1000
    assert await balance_of(payments, headers, funding["id"]) == 1000


async def test_a_batch_needs_the_ledger_write_scope(payments: Harness, tokens: Tokens) -> None:
    funding = await open_funding(payments, officer(tokens), "USD", 0)
    reader = tokens.partner("DE", "ledger:read")
    response = await post_batch(payments, reader, items(funding["id"], [1]))
    assert response.status_code == 403


@pytest.mark.postgres_only
async def test_concurrent_batches_and_single_bookings_book_each_item_once(
    payments: Harness, tokens: Tokens, tmp_path: Path
) -> None:
    headers = officer(tokens)
    accounts = [await open_funding(payments, headers, "USD", 0) for _ in range(3)]
    batches = [
        items(accounts[n % 3]["id"], [1 + n] * 50) + items(accounts[(n + 1) % 3]["id"], [1_000] * 50) for n in range(12)
    ]
    singles = [
        payments.client.post(
            "/v1/contributions",
            json={"funding_account_id": accounts[n % 3]["id"], "amount_minor": 7, "reference": f"s{n}"},
            headers=with_key(headers),
        )
        for n in range(12)
    ]
    replays = [post_batch(payments, headers, batches[0], key="shared-key") for _ in range(6)]
    answers = await asyncio.gather(*(post_batch(payments, headers, b) for b in batches[1:]), *singles, *replays)
    batch_answers, single_answers, replay_answers = answers[:11], answers[11:23], answers[23:]
    assert {r.status_code for r in batch_answers} == {200}
    assert {r.status_code for r in single_answers} == {201}
    assert {r.status_code for r in replay_answers} <= {200, 409}
    assert len({r.text for r in replay_answers if r.status_code == 200}) == 1
    expected = sum(sum(i["amount_minor"] for i in b) for b in batches) + 12 * 7
    booked = sum(r.json()["booked"] for r in batch_answers) + 12 + 100
    assert booked == 100 * 12 + 12
    assert sum([await balance_of(payments, headers, a["id"]) for a in accounts]) == expected
    assert await count(payments, tables.audit_log, tables.audit_log.c.action == "contribution.recorded") == booked
    audit = auditor(tokens, "DE")
    assert (await payments.client.get("/v1/audit/partners/DE/balance-check", headers=audit)).json()["ok"] is True
    trial = (await payments.client.get("/v1/audit/partners/DE/trial-balance", headers=audit)).json()
    assert all(c["balanced"] for c in trial["currencies"])
    await sign_head(payments, headers)
    report = await export_and_verify(payments, tokens, tmp_path)
    assert report.ok, report.to_text()
    assert report.records_checked == 2 * booked
