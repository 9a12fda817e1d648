"""Events move money: every consumer refuses an event it cannot attribute to the service that owns its type."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from shared.schemas.events import APPLICANT_APPROVED
from shared.servicekeys import PeerKeys, ServiceIdentity, SigningKey
from shared.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_event, signed_content
from tests.conftest import AppStarter
from tests.harness import Harness, producer, serve
from tests.payments.service.helpers import approval

CONSUMERS = ("payments", "asylum")
Forgery = Callable[[Harness, bytes, str], dict[str, str]]


def _approved_body(source: str = "eligibility") -> tuple[str, bytes]:
    event_id = str(uuid.uuid4())
    data = approval(applicant_id=f"forged-{uuid.uuid4().hex[:8]}")
    data["entitlements"]["asylum_track"] = True
    envelope: dict[str, Any] = {
        "id": event_id,
        "type": APPLICANT_APPROVED,
        "source": source,
        "occurred_at": datetime.now(UTC).isoformat(),
        "partner_id": data["partner_id"],
        "data": data,
    }
    return event_id, json.dumps(envelope).encode()


def _unknown_key(h: Harness, body: bytes, event_id: str) -> dict[str, str]:
    impostor = ServiceIdentity("eligibility", [SigningKey("dev-only-1", Ed25519PrivateKey.generate())], PeerKeys())
    return sign_event(impostor, body, event_id=event_id)


def _another_services_key(h: Harness, body: bytes, event_id: str) -> dict[str, str]:
    # testimony holds a genuine key, but approvals are eligibility's to announce.
    return sign_event(producer(h.settings.var_dir, "testimony"), body, event_id=event_id)


def _stale(h: Harness, body: bytes, event_id: str) -> dict[str, str]:
    return sign_event(producer(h.settings.var_dir, "eligibility"), body, event_id=event_id, now=time.time() - 3600)


def _partner_webhook_secret(h: Harness, body: bytes, event_id: str) -> dict[str, str]:
    headers = sign_event(producer(h.settings.var_dir, "eligibility"), body, event_id=event_id)
    secret = b"whsec-of-a-partner-subscription"
    mac = hmac.new(secret, signed_content(event_id, headers[TIMESTAMP_HEADER], body), hashlib.sha256).digest()
    return {**headers, SIGNATURE_HEADER: "v1," + base64.b64encode(mac).decode()}


def _unsigned(h: Harness, body: bytes, event_id: str) -> dict[str, str]:
    return {"content-type": "application/json"}


FORGERIES: dict[str, Forgery] = {
    "unknown key": _unknown_key,
    "genuine key of another service": _another_services_key,
    "stale timestamp": _stale,
    "a partner's webhook secret": _partner_webhook_secret,
    "unsigned": _unsigned,
}


async def _row_counts(h: Harness) -> dict[str, int]:
    metadata = h.app.state.tables.audit_log.metadata
    async with h.app.state.engine.connect() as conn:
        return {
            table.name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            for table in metadata.sorted_tables
        }


async def test_forged_events_are_refused_by_every_consumer_and_change_nothing(starter: AppStarter) -> None:
    for consumer in CONSUMERS:
        await _check_consumer(starter, consumer)


async def _check_consumer(starter: AppStarter, consumer: str) -> None:
    app, settings = starter.create(consumer)
    async with serve(app) as client:
        h = Harness(consumer, app, client, settings, settings.database_url)
        before = await _row_counts(h)
        for name, forge in FORGERIES.items():
            source = "testimony" if forge is _another_services_key else "eligibility"
            event_id, body = _approved_body(source)
            response = await client.post("/v1/events", content=body, headers=forge(h, body, event_id))
            assert response.status_code == 401, f"{consumer} accepted an event with {name}: {response.text}"
            assert response.headers["content-type"] == "application/problem+json"
        assert await _row_counts(h) == before

        # The same approval signed by eligibility itself is what takes effect.
        event_id, body = _approved_body()
        genuine = sign_event(producer(settings.var_dir, "eligibility"), body, event_id=event_id)
        assert (await client.post("/v1/events", content=body, headers=genuine)).status_code == 204
        after_genuine = await _row_counts(h)
        assert after_genuine != before

        # A captured delivery replayed within the time window is recognised by its id and changes nothing.
        assert (await client.post("/v1/events", content=body, headers=genuine)).status_code == 204
        assert await _row_counts(h) == after_genuine
