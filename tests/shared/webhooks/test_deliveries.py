"""Partners receive signed deliveries of events about their own records; dead ones are kept and redelivered."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook, WebhookVerificationError

from shared.auth import CallerKind
from shared.config import Subscriber
from shared.outbox import MAX_ATTEMPTS, RETRY_SCHEDULE, UnknownEventType, backoff_delay
from shared.subscriptions.addresses import check_public_host
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens
from tests.shared.webhooks.helpers import (
    PartnerEndpoint,
    dispatcher_for,
    partner,
    partner_client,
    publish,
    service_app,
    subscribe,
)

OPENED = "asylum.case.opened"
CHANGED = "asylum.case.status_changed"
DE_URL = "https://de.partner.example/hook"
FR_URL = "https://fr.partner.example/hook"


@pytest.fixture
async def asylum_app(starter: AppStarter) -> AsyncIterator[Harness]:
    async with service_app(starter, "asylum") as h:
        yield h


async def statuses(h: Harness) -> list[tuple[str, str, int]]:
    d = h.app.state.tables.outbox_deliveries
    async with h.app.state.engine.connect() as conn:
        rows = await conn.execute(select(d.c.subscriber, d.c.status, d.c.attempts).order_by(d.c.id))
        return [(r.subscriber, r.status, r.attempts) for r in rows]


async def test_each_partner_receives_only_its_own_events_and_verifies_them_with_standardwebhooks(
    asylum_app: Harness, tokens: Tokens
) -> None:
    de = await subscribe(asylum_app, tokens, "DE", [OPENED, CHANGED], url=DE_URL)
    fr = await subscribe(asylum_app, tokens, "FR", [OPENED], url=FR_URL)
    endpoint = PartnerEndpoint(secrets={"hook": de["secret"]})
    de_event = await publish(asylum_app, OPENED, "DE")
    fr_event = await publish(asylum_app, OPENED, "FR")
    de_other_type = await publish(asylum_app, CHANGED, "DE")
    await publish(asylum_app, CHANGED, "FR")  # FR did not subscribe to this type
    await publish(asylum_app, OPENED, None)  # about no partner: no webhook hears it

    async with partner_client(endpoint, "de.partner.example") as de_client:
        assert await dispatcher_for(asylum_app, de_client).run_once() == 2
    # DE's endpoint verified both of its deliveries with its secret and saw nothing of FR's.
    assert endpoint.refused == []
    assert [p["id"] for p in endpoint.received["hook"]] == [de_event, de_other_type]
    assert {p["partner_id"] for p in endpoint.received["hook"]} == {"DE"}
    headers, body = endpoint.requests[0]
    assert headers["webhook-id"] == de_event
    assert headers["webhook-signature"].startswith("v1,")
    assert json.loads(body)["type"] == OPENED
    # FR's delivery went to FR's URL only (not reachable by this client, so it waits for a retry).
    assert [s for s, status, _ in await statuses(asylum_app) if status == "pending"] == [f"webhook:{fr['id']}"]

    fr_endpoint = PartnerEndpoint(secrets={"hook": fr["secret"]})
    async with partner_client(fr_endpoint, "fr.partner.example") as fr_client:
        assert await dispatcher_for(asylum_app, fr_client).run_once() == 1
    assert [p["id"] for p in fr_endpoint.received["hook"]] == [fr_event]
    # A partner's secret does not verify another partner's deliveries.
    with pytest.raises(WebhookVerificationError):
        Webhook(de["secret"]).verify(fr_endpoint.requests[0][1], fr_endpoint.requests[0][0])


async def test_during_a_rotation_both_secrets_sign_and_after_the_overlap_only_the_new_one(
    asylum_app: Harness, tokens: Tokens
) -> None:
    sub = await subscribe(asylum_app, tokens, "DE", [OPENED], url=DE_URL)
    rotated = await asylum_app.client.post(
        f"/v1/webhook-subscriptions/{sub['id']}/rotate-secret",
        json={"overlap_seconds": 3600},
        headers=partner(tokens, "DE"),
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != sub["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    read = await asylum_app.client.get(f"/v1/webhook-subscriptions/{sub['id']}", headers=partner(tokens, "DE"))
    assert read.json()["previous_secret_expires_at"] == rotated.json()["previous_secret_expires_at"]

    endpoint = PartnerEndpoint(secrets={"hook": new_secret})
    await publish(asylum_app, OPENED, "DE")
    async with partner_client(endpoint, "de.partner.example") as client:
        assert await dispatcher_for(asylum_app, client).run_once() == 1
        headers, body = endpoint.requests[-1]
        assert len(headers["webhook-signature"].split()) == 2
        Webhook(sub["secret"]).verify(body, headers)
        Webhook(new_secret).verify(body, headers)

        # The overlap ends: only the new secret signs.
        table = asylum_app.app.state.tables.webhook_subscriptions
        async with asylum_app.app.state.engine.begin() as conn:
            await conn.execute(
                update(table).values(previous_secret_expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        await publish(asylum_app, OPENED, "DE")
        assert await dispatcher_for(asylum_app, client).run_once() == 1
        headers, body = endpoint.requests[-1]
        Webhook(new_secret).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(sub["secret"]).verify(body, headers)


async def test_a_rotation_without_overlap_retires_the_old_secret_at_once(asylum_app: Harness, tokens: Tokens) -> None:
    sub = await subscribe(asylum_app, tokens, "DE", [OPENED], url=DE_URL)
    rotated = await asylum_app.client.post(
        f"/v1/webhook-subscriptions/{sub['id']}/rotate-secret",
        json={"overlap_seconds": 0},
        headers=partner(tokens, "DE"),
    )
    assert rotated.json()["previous_secret_expires_at"] is None
    endpoint = PartnerEndpoint(secrets={"hook": sub["secret"]})
    await publish(asylum_app, OPENED, "DE")
    async with partner_client(endpoint, "de.partner.example") as client:
        assert await dispatcher_for(asylum_app, client).run_once() == 0
    assert len(endpoint.refused) == 1
    too_long = await asylum_app.client.post(
        f"/v1/webhook-subscriptions/{sub['id']}/rotate-secret",
        json={"overlap_seconds": 8 * 24 * 3600},
        headers=partner(tokens, "DE"),
    )
    assert too_long.status_code == 422


async def test_a_paused_or_deleted_subscription_receives_nothing_more(asylum_app: Harness, tokens: Tokens) -> None:
    sub = await subscribe(asylum_app, tokens, "DE", [OPENED], url=DE_URL)
    path = f"/v1/webhook-subscriptions/{sub['id']}"
    await publish(asylum_app, OPENED, "DE")
    paused = await asylum_app.client.patch(path, json={"active": False}, headers=partner(tokens, "DE"))
    assert paused.status_code == 200
    await publish(asylum_app, OPENED, "DE")  # while paused: no delivery at all
    endpoint = PartnerEndpoint(secrets={"hook": sub["secret"]})
    async with partner_client(endpoint, "de.partner.example") as client:
        assert await dispatcher_for(asylum_app, client).run_once() == 0
    assert endpoint.requests == []
    assert [status for _, status, _ in await statuses(asylum_app)] == ["cancelled"]

    await asylum_app.client.patch(path, json={"active": True}, headers=partner(tokens, "DE"))
    await publish(asylum_app, OPENED, "DE")
    assert (await asylum_app.client.delete(path, headers=partner(tokens, "DE"))).status_code == 204
    assert [status for _, status, _ in await statuses(asylum_app)] == ["cancelled", "cancelled"]


async def test_a_failing_endpoint_is_retried_then_dead_listed_counted_and_redelivered(
    asylum_app: Harness, tokens: Tokens
) -> None:
    sub = await subscribe(asylum_app, tokens, "DE", [OPENED], url=DE_URL)
    endpoint = PartnerEndpoint(secrets={"hook": sub["secret"]}, status=500)
    first, second = await publish(asylum_app, OPENED, "DE"), await publish(asylum_app, OPENED, "DE")
    async with partner_client(endpoint, "de.partner.example") as client:
        dispatcher = dispatcher_for(asylum_app, client)
        for _ in range(MAX_ATTEMPTS - 1):
            await dispatcher.run_once()
        assert {status for _, status, _ in await statuses(asylum_app)} == {"pending"}
        await dispatcher.run_once()
        assert await statuses(asylum_app) == [(f"webhook:{sub['id']}", "dead", MAX_ATTEMPTS)] * 2
        assert len(endpoint.requests) == 2 * MAX_ATTEMPTS

        de = partner(tokens, "DE", "webhooks:read")
        page = (await asylum_app.client.get("/v1/webhook-deliveries?status=dead&limit=1", headers=de)).json()
        assert [(d["event_id"], d["status"], d["last_error"]) for d in page["items"]] == [(first, "dead", "HTTP 500")]
        assert page["items"][0]["dead_at"] is not None
        assert page["items"][0]["next_attempt_at"] is None
        rest = await asylum_app.client.get(
            f"/v1/webhook-deliveries?status=dead&after={page['next_cursor']}", headers=de
        )
        assert [d["event_id"] for d in rest.json()["items"]] == [second]
        assert rest.json()["next_cursor"] is None
        fr = partner(tokens, "FR")
        assert (await asylum_app.client.get("/v1/webhook-deliveries", headers=fr)).json()["items"] == []

        metrics = (await asylum_app.client.get("/metrics")).text
        assert 'event_deliveries_dead{receiver="webhook",service="asylum"} 2.0' in metrics

        delivery_id = page["items"][0]["id"]
        assert (
            await asylum_app.client.post(f"/v1/webhook-deliveries/{delivery_id}/redeliver", headers=fr)
        ).status_code == 404
        endpoint.status = 204
        again = await asylum_app.client.post(
            f"/v1/webhook-deliveries/{delivery_id}/redeliver", headers=partner(tokens, "DE")
        )
        assert again.status_code == 200, again.text
        assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
        assert await dispatcher.run_once() == 1
        assert [p["id"] for p in endpoint.received["hook"]] == [first]
        twice = await asylum_app.client.post(
            f"/v1/webhook-deliveries/{delivery_id}/redeliver", headers=partner(tokens, "DE")
        )
        assert twice.status_code == 409
        metrics = (await asylum_app.client.get("/metrics")).text
        assert 'event_deliveries_dead{receiver="webhook",service="asylum"} 1.0' in metrics


def test_retries_back_off_for_at_least_three_days() -> None:
    assert len(RETRY_SCHEDULE) + 1 == MAX_ATTEMPTS
    assert sum(RETRY_SCHEDULE) >= 3 * 24 * 3600
    assert list(RETRY_SCHEDULE) == sorted(RETRY_SCHEDULE)
    for attempt, step in enumerate(RETRY_SCHEDULE, start=1):
        waits = [backoff_delay(attempt) for _ in range(50)]
        assert all(step <= wait <= step * 1.2 for wait in waits)


async def test_the_first_retry_waits_its_scheduled_time(asylum_app: Harness, tokens: Tokens) -> None:
    sub = await subscribe(asylum_app, tokens, "DE", [OPENED], url=DE_URL)
    endpoint = PartnerEndpoint(secrets={"hook": sub["secret"]}, status=503)
    await publish(asylum_app, OPENED, "DE")
    async with partner_client(endpoint, "de.partner.example") as client:
        dispatcher = dispatcher_for(asylum_app, client, base_delay=1.0)
        before = datetime.now(UTC)
        await dispatcher.run_once()
        assert await dispatcher.run_once() == 0
    d = asylum_app.app.state.tables.outbox_deliveries
    async with asylum_app.app.state.engine.connect() as conn:
        due = (await conn.execute(select(d.c.next_attempt_at))).scalar_one()
    assert due >= before + timedelta(seconds=RETRY_SCHEDULE[0])
    assert len(endpoint.requests) == 1


async def test_in_production_a_delivery_to_a_private_address_is_refused_before_it_is_sent(
    asylum_app: Harness, tokens: Tokens
) -> None:
    sub = await subscribe(asylum_app, tokens, "DE", [OPENED], url="https://127.0.0.1/hook")
    endpoint = PartnerEndpoint(secrets={"hook": sub["secret"]})
    await publish(asylum_app, OPENED, "DE")
    async with partner_client(endpoint, "127.0.0.1") as client:
        assert await dispatcher_for(asylum_app, client, address_check=check_public_host).run_once() == 0
    assert endpoint.requests == []
    d = asylum_app.app.state.tables.outbox_deliveries
    async with asylum_app.app.state.engine.connect() as conn:
        error = (await conn.execute(select(d.c.last_error))).scalar_one()
    assert error.startswith("refused address")


async def test_a_service_refuses_to_publish_a_type_outside_its_catalogue(asylum_app: Harness) -> None:
    with pytest.raises(UnknownEventType):
        await publish(asylum_app, "asylum.case.invented", "DE")


async def test_an_operator_lists_and_redelivers_dead_events_between_services(
    starter: AppStarter, tokens: Tokens
) -> None:
    receiver = PartnerEndpoint(status=503, verify=False)
    peers = [Subscriber(name="payments", url="https://payments.internal.test/v1/events", event_types=[OPENED])]
    async with service_app(starter, "asylum", subscribers=peers) as h:
        event_id = await publish(h, OPENED, "DE")
        async with partner_client(receiver, "payments.internal.test") as client:
            dispatcher = dispatcher_for(h, client)
            for _ in range(MAX_ATTEMPTS):
                await dispatcher.run_once()
            operator = tokens.headers("platform", CallerKind.operator, "deliveries:read", "deliveries:write")
            dead = await h.client.get("/v1/operator/event-deliveries?status=dead&receiver=service", headers=operator)
            assert dead.status_code == 200, dead.text
            [item] = dead.json()["items"]
            assert (item["event_id"], item["subscriber"], item["subscription_id"]) == (event_id, "payments", None)
            assert (
                'event_deliveries_dead{receiver="service",service="asylum"} 1.0'
                in (await h.client.get("/metrics")).text
            )
            # Partners see nothing of deliveries between services, nor the operator routes.
            assert (await h.client.get("/v1/webhook-deliveries", headers=partner(tokens, "DE"))).json()["items"] == []
            refused = await h.client.get(
                "/v1/operator/event-deliveries", headers=partner(tokens, "DE", "deliveries:read")
            )
            assert refused.status_code == 403

            receiver.status = 204
            again = await h.client.post(f"/v1/operator/event-deliveries/{item['id']}/redeliver", headers=operator)
            assert again.status_code == 200, again.text
            assert await dispatcher.run_once() == 1
        audit = h.app.state.tables.audit_log
        async with h.app.state.engine.connect() as conn:
            row = (await conn.execute(select(audit.c.action, audit.c.actor_kind))).one()
        assert tuple(row) == ("delivery.redelivered", "operator")


async def test_the_apps_own_dispatcher_counts_the_deliveries_it_marks_dead(asylum_app: Harness, tokens: Tokens) -> None:
    # Nothing listens on port 1: every attempt fails at once.
    await subscribe(asylum_app, tokens, "DE", [OPENED], url="https://127.0.0.1:1/hook")
    await publish(asylum_app, OPENED, "DE")
    d = asylum_app.app.state.tables.outbox_deliveries
    for _ in range(MAX_ATTEMPTS):
        await asylum_app.app.state.dispatcher.run_once()
        async with asylum_app.app.state.engine.begin() as conn:
            await conn.execute(update(d).where(d.c.status == "pending").values(next_attempt_at=datetime.now(UTC)))
    assert [status for _, status, _ in await statuses(asylum_app)] == ["dead"]
    metrics = (await asylum_app.client.get("/metrics")).text
    assert 'event_deliveries_died_total{receiver="webhook",service="asylum"} 1.0' in metrics
