"""A partner's side of webhooks: subscribing over the API and an endpoint that verifies what it receives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from standardwebhooks import Webhook, WebhookVerificationError

from shared.outbox import OutboxDispatcher
from shared.schemas.events import CaseOpened
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens, serve

WRITE = ("webhooks:write", "webhooks:read")


def partner(tokens: Tokens, org: str, *scopes: str) -> dict[str, str]:
    """Headers of a partner's integration with the webhook scopes (or those given)."""
    return tokens.partner(org, *(scopes or WRITE), subject=f"integration@{org}")


async def subscribe(
    h: Harness,
    tokens: Tokens,
    org: str,
    event_types: Sequence[str],
    url: str = "https://hooks.partner.example/carrots",
) -> dict[str, Any]:
    """Create a subscription over the API; the answer carries its secret."""
    answer = await h.client.post(
        "/v1/webhook-subscriptions",
        json={"url": url, "event_types": list(event_types), "description": f"{org} integration"},
        headers=partner(tokens, org),
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


@dataclass
class PartnerEndpoint:
    """A partner's webhook endpoint: verifies each delivery with the `standardwebhooks` library, as a partner would.

    `secrets` maps a URL path to the secret of the subscription that posts there; `status` is what it answers.
    """

    secrets: dict[str, str] = field(default_factory=dict)
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    # Every request as it arrived, refused or not: (headers, body).
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 204
    # False for a stand-in of a peer service, whose deliveries carry Ed25519 signatures, not a partner's.
    verify: bool = True

    def app(self) -> FastAPI:
        endpoint = FastAPI()

        @endpoint.post("/{path:path}")
        async def receive(path: str, request: Request) -> Response:
            body = await request.body()
            self.requests.append((dict(request.headers), body))
            try:
                payload = Webhook(self.secrets[path]).verify(body, dict(request.headers)) if self.verify else {}
            except (KeyError, WebhookVerificationError) as exc:
                self.refused.append(f"{path}: {exc!r}")
                return Response(status_code=401)
            if self.status < 300:
                self.received.setdefault(path, []).append(payload)
            return Response(status_code=self.status)

        return endpoint

    def types(self, path: str) -> list[str]:
        """The event types received at one path, in order."""
        return [p["type"] for p in self.received.get(path, [])]


def partner_client(endpoint: PartnerEndpoint, *hosts: str) -> httpx.AsyncClient:
    """An HTTP client whose requests to these https hosts reach the partner's endpoint in process."""
    transport = httpx.ASGITransport(app=endpoint.app())
    return httpx.AsyncClient(mounts={f"https://{host}": transport for host in hosts})


def dispatcher_for(h: Harness, client: httpx.AsyncClient, **kw: Any) -> OutboxDispatcher:
    """The app's outbox dispatcher posting through `client`, retrying at once."""
    state = h.app.state
    kw.setdefault("base_delay", 0.0)
    return OutboxDispatcher(state.sessionmaker, state.tables, state.identity, client, cipher=state.cipher, **kw)


async def publish(h: Harness, event_type: str, partner_id: str | None) -> str:
    """Publish one event of this type about a record of `partner_id`, as the service's code would; its id."""
    async with h.app.state.sessionmaker() as session, session.begin():
        envelope = await h.app.state.publisher.publish(
            session,
            event_type,
            CaseOpened(case_id="c-1", applicant_id="a-1", partner_id=partner_id or "-"),
            partner_id=partner_id,
        )
    return str(envelope.id)


@asynccontextmanager
async def service_app(starter: AppStarter, name: str, **overrides: Any) -> AsyncIterator[Harness]:
    """One service app on a clean database (cheap secret hashing for asylum)."""
    if name == "asylum":
        from tests.asylum.conftest import CHEAP_HASHING

        overrides = {**CHEAP_HASHING, **overrides}
    app, settings = starter.create(name, **overrides)
    async with serve(app) as client:
        yield Harness(name, app, client, settings, settings.database_url)
