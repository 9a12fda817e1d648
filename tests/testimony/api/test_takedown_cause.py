"""A takedown receipt names the consent event that caused it, besides the versions the publication relied on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.testimony.publication.takedown import sweep_lapsed
from services.testimony.signing.keys import load_public_key
from services.testimony.signing.receipts import read_takedown_receipt
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import (
    give_consent,
    in_hours,
    officer,
    publish,
    published_testimony,
    redact,
    review_twice,
    submit,
)


async def read_receipt(h: Harness, receipt: str) -> dict[str, Any]:
    key = load_public_key((await h.client.get("/.well-known/carrots-testimony-key.pem")).content)
    return read_takedown_receipt(receipt, key)


async def test_the_authors_withdrawal_is_named_as_the_cause_of_the_takedown(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens)
    relied_on = journey["publication"]["consent_versions"]
    withdrawal = (
        await testimony.client.post(
            "/public/consent/withdrawals", json={"token": journey["consent"]["withdrawal_token"]}
        )
    ).json()
    (takedown,) = withdrawal["takedowns"]
    claims = await read_receipt(testimony, takedown["receipt"])

    cause = {
        "record_id": journey["consent"]["record_id"],
        "event": "withdrawn",
        "consent_version": withdrawal["consent_version"],
    }
    assert claims["caused_by"] == takedown["caused_by"] == cause
    # What the publication relied on is still stated, as before, and differs from the causing version.
    assert claims["consent_version"] == relied_on[0] == journey["consent"]["consent_version"]
    assert claims["consent_versions"] == relied_on
    assert withdrawal["consent_version"] not in relied_on


async def test_a_family_members_withdrawal_is_named_as_the_cause_not_the_authors_consent(
    testimony: Harness, tokens: Tokens
) -> None:
    t = await submit(testimony, tokens)
    author = await give_consent(testimony, tokens, t["id"])
    sister = await give_consent(testimony, tokens, t["id"], subject_ref="sister-1", attribution="named")
    unredacted = await redact(testimony, tokens, t["id"], hide_sister=False)
    await review_twice(testimony, tokens, t["id"], unredacted)
    published = await publish(testimony, tokens, t["id"], unredacted["id"])
    assert published.status_code == 201, published.text
    withdrawal = (
        await testimony.client.post("/public/consent/withdrawals", json={"token": sister["withdrawal_token"]})
    ).json()
    (takedown,) = withdrawal["takedowns"]
    claims = await read_receipt(testimony, takedown["receipt"])

    assert claims["caused_by"] == {
        "record_id": sister["record_id"],
        "event": "withdrawn",
        "consent_version": withdrawal["consent_version"],
    }
    assert claims["caused_by"]["record_id"] != author["record_id"]
    assert claims["consent_version"] == author["consent_version"]
    assert claims["consent_versions"] == [author["consent_version"], sister["consent_version"]]


async def test_a_takedown_by_expiry_names_no_consent_event(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens, expires_at=in_hours(1))
    async with testimony.app.state.sessionmaker() as session:
        (swept,) = await sweep_lapsed(session, testimony.app.state.toolkit, datetime.now(UTC) + timedelta(hours=2))
        await session.commit()
    claims = await read_receipt(testimony, swept.receipt)
    assert swept.caused_by is None
    assert "caused_by" not in claims
    assert claims["consent_version"] == journey["consent"]["consent_version"]
    record = await testimony.client.get(f"/v1/publications/{journey['publication']['id']}", headers=officer(tokens))
    assert record.json()["takedown_receipt"] == swept.receipt
