"""A partner's webhooks receive the events about its own records, of every type, and never another partner's."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import delete

from shared.outbox import OutboxDispatcher
from shared.schemas.catalogue import EVENT_TYPES, partner_event_types
from shared.schemas.events import CaseOpened
from tests.eligibility.api import helpers as eligibility_api
from tests.flows.conftest import NAMES, System
from tests.flows.journey import (
    assess_and_approve,
    case_of,
    grant_asylum,
    publish_testimony,
    register_family,
    run_journey,
    withdraw_testimony,
)
from tests.harness import Tokens
from tests.shared.webhooks.helpers import PartnerEndpoint, subscribe

PARTNERS = ("DE", "FR")


def host(org: str) -> str:
    return f"{org.lower()}.partner.example"


async def subscribe_everywhere(system: System, tokens: Tokens, endpoint: PartnerEndpoint) -> None:
    """Each partner subscribes to every type it may on every service, one endpoint path per service and partner."""
    for org in PARTNERS:
        for name in NAMES:
            created = await subscribe(
                system.harness(name),
                tokens,
                org,
                sorted(partner_event_types(name)),
                url=f"https://{host(org)}/{name}",
            )
            endpoint.secrets[f"{org}/{name}"] = created["secret"]


def deliver_to_partners_too(system: System, endpoint: PartnerEndpoint) -> httpx.AsyncClient:
    """Let the system's dispatchers reach the partners' endpoints as well as the services; returns the client."""
    partner_app = httpx.ASGITransport(app=endpoint.app())
    mounts: dict[str, httpx.AsyncBaseTransport] = {
        f"http://{name}.test": httpx.ASGITransport(app=app) for name, app in system.apps.items()
    }
    # One endpoint app serves both partners: the path says which partner and service it is for.
    mounts |= {f"https://{host(org)}": _PrefixTransport(partner_app, org) for org in PARTNERS}
    client = httpx.AsyncClient(mounts=mounts)
    for name, app in system.apps.items():
        state = app.state
        system.dispatchers[name] = OutboxDispatcher(
            state.sessionmaker, state.tables, state.identity, client, cipher=state.cipher, base_delay=0.0
        )
    return client


class _PrefixTransport(httpx.AsyncBaseTransport):
    """Prefixes the request path with the partner's code, so one endpoint app tells the partners apart."""

    def __init__(self, inner: httpx.AsyncBaseTransport, org: str) -> None:
        self._inner, self._org = inner, org

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(path=f"/{self._org}{request.url.path}")
        return await self._inner.handle_async_request(request)


async def test_every_event_type_of_every_service_reaches_only_its_owners_subscription(
    system: System, tokens: Tokens
) -> None:
    endpoint = PartnerEndpoint()
    await subscribe_everywhere(system, tokens, endpoint)
    published: dict[tuple[str, str], dict[str, str]] = {}
    for name in NAMES:
        app = system.apps[name]
        for event_type in sorted(EVENT_TYPES[name]):
            for org in (*PARTNERS, None):
                async with app.state.sessionmaker() as session, session.begin():
                    envelope = await app.state.publisher.publish(
                        session, event_type, CaseOpened(case_id="c", applicant_id="a", partner_id="-"), partner_id=org
                    )
                published.setdefault((name, event_type), {})[str(org)] = envelope.id
        # These made-up events are for the partners' endpoints only: the peer services never see them.
        deliveries = app.state.tables.outbox_deliveries
        async with app.state.engine.begin() as conn:
            await conn.execute(delete(deliveries).where(deliveries.c.subscription_id.is_(None)))
    async with deliver_to_partners_too(system, endpoint):
        await system.deliver_events(rounds=50)
    assert endpoint.refused == []

    walked = 0
    made_up = {event_id for ids in published.values() for event_id in ids.values()}
    for (name, event_type), ids in published.items():
        for org in PARTNERS:
            # (The subscriptions' own creation was announced too, to their partner: those are not counted here.)
            got = [
                p["id"]
                for p in endpoint.received.get(f"{org}/{name}", [])
                if p["type"] == event_type and p["id"] in made_up
            ]
            if event_type in partner_event_types(name):
                assert got == [ids[org]], f"{org} should receive its own {event_type} once, got {got}"
                walked += 1
            else:
                assert got == [], f"{event_type} is about no partner, yet {org} received it"
    assert walked == 2 * sum(len(partner_event_types(name)) for name in NAMES)
    # Every delivery to a partner carries that partner's events only, and no event about no partner arrived.
    for path, payloads in endpoint.received.items():
        assert {p["partner_id"] for p in payloads} == {path.split("/")[0]}


def _strings(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


async def test_in_a_journey_of_two_partners_each_hears_only_of_its_own_records(system: System, tokens: Tokens) -> None:
    endpoint = PartnerEndpoint()
    await subscribe_everywhere(system, tokens, endpoint)
    async with deliver_to_partners_too(system, endpoint):
        journey = await run_journey(system, tokens)
        await withdraw_testimony(system, await publish_testimony(system, tokens, journey.approved.applicant_id))
        # FR runs its own applicant (another document) up to a granted case.
        await eligibility_api.install_default_policy(system.harness("eligibility"), tokens, "FR")
        fr_main, fr_child = await register_family(system, tokens, "FR", document="76 7654321")
        fr_assessment = await assess_and_approve(system, tokens, fr_main, "FR")
        await system.deliver_events()
        fr_case = await case_of(system, tokens, fr_main, "FR")
        await grant_asylum(system, tokens, fr_case["id"], "FR")
        await system.deliver_events()
    assert endpoint.refused == []

    de_ids = {
        journey.approved.applicant_id,
        journey.approved.dependant_id,
        journey.approved.case_id,
        journey.approved.assessment["id"],
    }
    fr_ids = {fr_main, fr_child, fr_case["id"], fr_assessment["id"]}
    covered: set[str] = set()
    for name in NAMES:
        outbox = await system.outbox_payloads(name)
        for org, others in (("DE", fr_ids), ("FR", de_ids)):
            received = endpoint.received.get(f"{org}/{name}", [])
            # Exactly the partner's own events of this service arrived, each once.
            own = [e["id"] for e in outbox if e["partner_id"] == org and e["type"] in partner_event_types(name)]
            assert sorted(p["id"] for p in received) == sorted(own), f"{org} on {name}"
            for payload in received:
                assert payload["partner_id"] == org
                leaked = _strings(payload["data"]) & others
                assert not leaked, f"{org} heard of another partner's {payload['type']} {leaked}"
                covered.add(payload["type"])
        # Events that name FR's records belong to FR, and DE's to DE, whoever produced them.
        for event in outbox:
            named = _strings(event["data"])
            if named & fr_ids:
                assert event["partner_id"] == "FR", json.dumps(event)
            if named & de_ids:
                assert event["partner_id"] == "DE", json.dumps(event)
    # The journey reaches every service and many kinds of event (the walk above covers the rest of the catalogue).
    assert {t.split(".")[0] for t in covered} == set(NAMES)
    assert len(covered) >= 25, sorted(covered)
