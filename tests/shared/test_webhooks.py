from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.errors import Unauthorized
from shared.servicekeys import PeerKeys, ServiceIdentity, SigningKey, public_pem
from shared.webhooks import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    claim_event,
    sign_event,
    signed_content,
    verify_event,
)
from tests.harness import Harness
from tests.shared.probe import tables


def _key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _identity(name: str, *keys: tuple[str, Ed25519PrivateKey]) -> ServiceIdentity:
    return ServiceIdentity(name, [SigningKey(kid, key) for kid, key in keys], PeerKeys())


def _trusting(service: str, *keys: tuple[str, Ed25519PrivateKey]) -> PeerKeys:
    return PeerKeys.from_config({service: [f"{kid}:{public_pem(key).decode()}" for kid, key in keys]})


def _envelope(event_type: str = "eligibility.applicant.approved", source: str = "eligibility") -> tuple[str, bytes]:
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {"id": event_id, "type": event_type, "source": source, "occurred_at": "2026-12-01T10:00:00Z", "data": {}}
    ).encode()
    return event_id, body


OLD, NEW = _key(), _key()
ELIGIBILITY = _identity("eligibility", ("k1", OLD))
TRUSTS_ELIGIBILITY = _trusting("eligibility", ("k1", OLD))


def test_an_event_signed_by_its_owner_is_accepted() -> None:
    event_id, body = _envelope()
    envelope = verify_event(TRUSTS_ELIGIBILITY, sign_event(ELIGIBILITY, body, event_id=event_id), body)
    assert (envelope.id, envelope.source) == (event_id, "eligibility")


def test_the_signature_covers_id_timestamp_and_body() -> None:
    event_id, body = _envelope()
    headers = sign_event(ELIGIBILITY, body, event_id=event_id)
    _, other_body = _envelope()
    with pytest.raises(Unauthorized, match="signature"):
        verify_event(TRUSTS_ELIGIBILITY, headers, other_body)
    with pytest.raises(Unauthorized, match="signature"):
        verify_event(TRUSTS_ELIGIBILITY, {**headers, ID_HEADER: str(uuid.uuid4())}, body)
    with pytest.raises(Unauthorized, match="signature"):
        verify_event(TRUSTS_ELIGIBILITY, {**headers, TIMESTAMP_HEADER: str(int(headers[TIMESTAMP_HEADER]) + 1)}, body)


def test_an_event_signed_with_an_unknown_key_is_refused() -> None:
    event_id, body = _envelope()
    impostor = _identity("eligibility", ("k1", _key()))
    with pytest.raises(Unauthorized, match="No v1a signature"):
        verify_event(TRUSTS_ELIGIBILITY, sign_event(impostor, body, event_id=event_id), body)


def test_a_service_cannot_send_an_event_type_another_service_owns() -> None:
    asylum_key = _key()
    asylum = _identity("asylum", ("a1", asylum_key))
    peers = PeerKeys({**TRUSTS_ELIGIBILITY.keys, **_trusting("asylum", ("a1", asylum_key)).keys})
    event_id, body = _envelope("eligibility.applicant.approved", source="asylum")
    with pytest.raises(Unauthorized, match="come from eligibility only"):
        verify_event(peers, sign_event(asylum, body, event_id=event_id), body)


def test_headers_must_name_the_envelopes_source_and_id() -> None:
    event_id, body = _envelope()
    headers = sign_event(ELIGIBILITY, body, event_id=event_id)
    asylum_key = _key()
    peers = PeerKeys({**TRUSTS_ELIGIBILITY.keys, **_trusting("asylum", ("a1", asylum_key)).keys})
    relabelled = sign_event(_identity("asylum", ("a1", asylum_key)), body, event_id=event_id)
    with pytest.raises(Unauthorized, match="must equal"):
        verify_event(peers, relabelled, body)
    assert verify_event(peers, headers, body).id == event_id


def test_a_stale_delivery_is_refused() -> None:
    event_id, body = _envelope()
    old = sign_event(ELIGIBILITY, body, event_id=event_id, now=time.time() - 3600)
    with pytest.raises(Unauthorized, match="replayed or delayed"):
        verify_event(TRUSTS_ELIGIBILITY, old, body)


def test_a_symmetric_signature_from_a_shared_secret_is_refused() -> None:
    event_id, body = _envelope()
    headers = sign_event(ELIGIBILITY, body, event_id=event_id)
    secret = b"a partner's webhook secret"
    mac = hmac.new(secret, signed_content(event_id, headers[TIMESTAMP_HEADER], body), hashlib.sha256).digest()
    forged = {**headers, SIGNATURE_HEADER: "v1," + base64.b64encode(mac).decode()}
    with pytest.raises(Unauthorized, match="No v1a signature"):
        verify_event(TRUSTS_ELIGIBILITY, forged, body)


def test_a_delivery_without_signature_headers_is_refused() -> None:
    _, body = _envelope()
    with pytest.raises(Unauthorized, match="must carry"):
        verify_event(TRUSTS_ELIGIBILITY, {"content-type": "application/json"}, body)


def test_a_key_rolls_over_without_downtime() -> None:
    event_id, body = _envelope()
    during = _identity("eligibility", ("k2", NEW), ("k1", OLD))
    headers = sign_event(during, body, event_id=event_id)
    # While both keys sign, consumers that know only the old key and those that already know the new accept.
    assert verify_event(TRUSTS_ELIGIBILITY, headers, body).id == event_id
    assert verify_event(_trusting("eligibility", ("k2", NEW)), headers, body).id == event_id
    # Once the old key is retired, a consumer that never learnt the new one refuses.
    after = sign_event(_identity("eligibility", ("k2", NEW)), body, event_id=event_id)
    with pytest.raises(Unauthorized):
        verify_event(TRUSTS_ELIGIBILITY, after, body)
    assert verify_event(_trusting("eligibility", ("k1", OLD), ("k2", NEW)), after, body).id == event_id


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
