"""Partners manage their webhook subscriptions on every service: their own only, secrets shown once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from shared.schemas.catalogue import EVENT_TYPES, PROGRAMME_EVENT_TYPES
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens
from tests.shared.webhooks.helpers import partner, service_app, subscribe

SERVICES = ("eligibility", "payments", "asylum", "testimony")
FIRST_TYPE = {name: sorted(EVENT_TYPES[name] - PROGRAMME_EVENT_TYPES)[0] for name in SERVICES}


@pytest.fixture(params=SERVICES)
async def service(request: pytest.FixtureRequest, starter: AppStarter) -> AsyncIterator[Harness]:
    async with service_app(starter, request.param) as h:
        yield h


async def test_a_partner_creates_lists_reads_updates_and_deletes_its_subscription(
    service: Harness, tokens: Tokens
) -> None:
    event_type = FIRST_TYPE[service.name]
    created = await subscribe(service, tokens, "DE", [event_type, event_type])
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == [event_type]
    assert (created["partner_id"], created["active"], created["description"]) == ("DE", True, "DE integration")
    path = f"/v1/webhook-subscriptions/{created['id']}"

    read = await service.client.get(path, headers=partner(tokens, "DE", "webhooks:read"))
    assert read.status_code == 200, read.text
    assert "secret" not in read.json()
    listed = await service.client.get("/v1/webhook-subscriptions", headers=partner(tokens, "DE", "webhooks:read"))
    assert [s["id"] for s in listed.json()["items"]] == [created["id"]]

    changed = await service.client.patch(
        path, json={"active": False, "url": "https://other.partner.example/hook"}, headers=partner(tokens, "DE")
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["active"], changed.json()["url"]) == (False, "https://other.partner.example/hook")
    assert changed.json()["event_types"] == [event_type]

    deleted = await service.client.delete(path, headers=partner(tokens, "DE"))
    assert deleted.status_code == 204, deleted.text
    gone = await service.client.get(path, headers=partner(tokens, "DE"))
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"


async def test_another_partners_subscription_answers_404_to_every_call(service: Harness, tokens: Tokens) -> None:
    created = await subscribe(service, tokens, "DE", [FIRST_TYPE[service.name]])
    path = f"/v1/webhook-subscriptions/{created['id']}"
    fr = partner(tokens, "FR")
    assert (await service.client.get(path, headers=fr)).status_code == 404
    assert (await service.client.patch(path, json={"active": False}, headers=fr)).status_code == 404
    assert (await service.client.post(f"{path}/rotate-secret", headers=fr)).status_code == 404
    assert (await service.client.delete(path, headers=fr)).status_code == 404
    assert (await service.client.get("/v1/webhook-subscriptions", headers=fr)).json()["items"] == []
    # Nothing FR tried changed DE's subscription.
    still = await service.client.get(path, headers=partner(tokens, "DE"))
    assert still.json()["active"] is True


async def test_scopes_and_caller_kinds_are_enforced(service: Harness, tokens: Tokens) -> None:
    body = {"url": "https://hooks.partner.example/x", "event_types": [FIRST_TYPE[service.name]]}
    read_only = await service.client.post(
        "/v1/webhook-subscriptions", json=body, headers=partner(tokens, "DE", "webhooks:read")
    )
    assert read_only.status_code == 403
    from shared.auth import CallerKind

    ngo = tokens.headers("NGO-A", CallerKind.ngo, "webhooks:write", "webhooks:read")
    assert (await service.client.post("/v1/webhook-subscriptions", json=body, headers=ngo)).status_code == 403
    assert (await service.client.get("/v1/webhook-subscriptions")).status_code == 401


async def test_event_types_outside_the_catalogue_are_refused_with_the_allowed_list(
    service: Harness, tokens: Tokens
) -> None:
    answer = await service.client.post(
        "/v1/webhook-subscriptions",
        json={"url": "https://hooks.partner.example/x", "event_types": [FIRST_TYPE[service.name], "nope.thing.done"]},
        headers=partner(tokens, "DE"),
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["invalid_params"][0]["name"] == "body.event_types.1"
    assert FIRST_TYPE[service.name] in problem["allowed"]
    assert not set(problem["allowed"]) & PROGRAMME_EVENT_TYPES
    # Another service's type is not this one's to announce.
    other = next(n for n in SERVICES if n != service.name)
    answer = await service.client.post(
        "/v1/webhook-subscriptions",
        json={"url": "https://hooks.partner.example/x", "event_types": [FIRST_TYPE[other]]},
        headers=partner(tokens, "DE"),
    )
    assert answer.status_code == 422


async def test_programme_wide_events_cannot_be_subscribed_to(starter: AppStarter, tokens: Tokens) -> None:
    async with service_app(starter, "eligibility") as h:
        answer = await h.client.post(
            "/v1/webhook-subscriptions",
            json={"url": "https://hooks.partner.example/x", "event_types": ["eligibility.sanctions_list.loaded"]},
            headers=partner(tokens, "DE"),
        )
        assert answer.status_code == 422, answer.text


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.partner.example/x",
        "ftp://hooks.partner.example/x",
        "https://user:pw@hooks.partner.example/x",
        "https:///x",
        "not a url",
    ],
)
async def test_a_url_that_is_not_plain_https_is_refused_outside_development(
    starter: AppStarter, tokens: Tokens, url: str
) -> None:
    async with service_app(starter, "payments") as h:
        answer = await h.client.post(
            "/v1/webhook-subscriptions",
            json={"url": url, "event_types": [FIRST_TYPE["payments"]]},
            headers=partner(tokens, "DE"),
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["type"].endswith("/webhook-url-refused")
        listed = await h.client.get("/v1/webhook-subscriptions", headers=partner(tokens, "DE"))
        assert listed.json()["items"] == []


async def test_the_secret_is_stored_encrypted_and_bound_to_its_row(service: Harness, tokens: Tokens) -> None:
    created = await subscribe(service, tokens, "DE", [FIRST_TYPE[service.name]])
    table = service.app.state.tables.webhook_subscriptions
    async with service.app.state.engine.connect() as conn:
        stored = (await conn.execute(select(table.c.secret_enc))).scalar_one()
    assert created["secret"] not in stored
    assert created["secret"].removeprefix("whsec_") not in stored
    assert stored.startswith("cv2.DE.")


async def test_the_list_pages_with_a_cursor_oldest_first(starter: AppStarter, tokens: Tokens) -> None:
    async with service_app(starter, "testimony") as h:
        ids = [(await subscribe(h, tokens, "DE", [FIRST_TYPE["testimony"]]))["id"] for _ in range(3)]
        first = (await h.client.get("/v1/webhook-subscriptions?limit=2", headers=partner(tokens, "DE"))).json()
        assert [s["id"] for s in first["items"]] == ids[:2]
        second = await h.client.get(
            f"/v1/webhook-subscriptions?limit=2&after={first['next_cursor']}", headers=partner(tokens, "DE")
        )
        assert [s["id"] for s in second.json()["items"]] == ids[2:]
        assert second.json()["next_cursor"] is None


async def test_every_change_to_a_subscription_is_audited_and_announced(starter: AppStarter, tokens: Tokens) -> None:
    async with service_app(starter, "asylum") as h:
        created = await subscribe(h, tokens, "DE", ["asylum.case.opened"])
        path = f"/v1/webhook-subscriptions/{created['id']}"
        await h.client.patch(path, json={"description": None}, headers=partner(tokens, "DE"))
        await h.client.post(f"{path}/rotate-secret", headers=partner(tokens, "DE"))
        await h.client.delete(path, headers=partner(tokens, "DE"))
        tables = h.app.state.tables
        async with h.app.state.engine.connect() as conn:
            audited = (await conn.execute(select(tables.audit_log.c.action).order_by(tables.audit_log.c.id))).all()
            announced = (await conn.execute(select(tables.outbox_events.c.type))).scalars().all()
        actions = ["created", "updated", "secret_rotated", "deleted"]
        assert [a for (a,) in audited] == [f"webhook_subscription.{a}" for a in actions]
        assert announced == [f"asylum.webhook_subscription.{a}" for a in actions]


async def test_the_openapi_document_describes_the_routes_and_what_a_partner_receives(service: Harness) -> None:
    document = service.app.openapi()
    paths = document["paths"]
    for path, method, scope in (
        ("/v1/webhook-subscriptions", "post", "webhooks:write"),
        ("/v1/webhook-subscriptions", "get", "webhooks:read"),
        ("/v1/webhook-subscriptions/{subscription_id}", "patch", "webhooks:write"),
        ("/v1/webhook-subscriptions/{subscription_id}", "delete", "webhooks:write"),
        ("/v1/webhook-subscriptions/{subscription_id}/rotate-secret", "post", "webhooks:write"),
        ("/v1/webhook-deliveries", "get", "webhooks:read"),
        ("/v1/webhook-deliveries/{delivery_id}/redeliver", "post", "webhooks:write"),
        ("/v1/operator/event-deliveries", "get", "deliveries:read"),
        ("/v1/operator/event-deliveries/{delivery_id}/redeliver", "post", "deliveries:write"),
    ):
        assert paths[path][method]["x-required-scopes"] == [scope], (path, method)
    delivery = document["webhooks"]["partner-event"]["post"]
    assert {p["name"] for p in delivery["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    body = delivery["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/EventEnvelope"}
