"""Submit, consent, redact, review twice, publish signed, withdraw with the token: 410 everywhere."""

from __future__ import annotations

import json

from lxml import etree
from sqlalchemy import select

from services.testimony.models import tables
from services.testimony.rendering.feeds import ATOM_NS, TOMBSTONE_NS
from services.testimony.signing.keys import load_public_key
from services.testimony.signing.receipts import read_consent_receipt, read_takedown_receipt
from services.testimony.signing.verify import verify_downloaded_item
from shared.schemas.events import TESTIMONY_TAKEN_DOWN
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import SECRET_WORD, image_with_gps, public_paths, published_testimony


async def well_known_key(h: Harness) -> bytes:
    response = await h.client.get("/.well-known/carrots-testimony-keys.json")
    assert response.status_code == 200
    return response.content


async def test_the_whole_journey_ends_in_410_everywhere_with_a_signed_takedown(
    testimony: Harness, tokens: Tokens
) -> None:
    journey = await published_testimony(testimony, tokens, media=image_with_gps())
    publication = journey["publication"]
    key = await well_known_key(testimony)

    receipt = read_consent_receipt(journey["consent"]["receipt"], load_public_key(key))
    assert receipt["consent_version"] == journey["consent"]["consent_version"]
    assert SECRET_WORD not in journey["derivative"]["text"]

    page = await testimony.client.get(f"/public/testimonies/{publication['id']}")
    assert page.status_code == 200
    assert "The morning of the ninth" in page.text
    assert "<script" not in page.text
    item = await testimony.client.get(f"/public/testimonies/{publication['id']}/item.json")
    report = verify_downloaded_item(item.content, key)
    assert set(report.verified_parts) == {"text", "title"}
    feed = (await testimony.client.get("/public/testimonies/feed.json")).json()
    assert [entry["id"] for entry in feed["items"]] == [publication["id"]]
    media_url = feed["items"][0]["attachments"][0]["url"].removeprefix(str(testimony.settings.public_url))
    media = await testimony.client.get(media_url)
    assert media.status_code == 200
    assert verify_downloaded_item(media.content, key, publication["manifest"]).verified_parts == ("media-1.jpg",)

    withdrawal = await testimony.client.post(
        "/public/consent/withdrawals", json={"token": journey["consent"]["withdrawal_token"]}
    )
    assert withdrawal.status_code == 200, withdrawal.text
    [takedown] = withdrawal.json()["takedowns"]
    assert takedown["publication_id"] == publication["id"]
    assert read_takedown_receipt(takedown["receipt"], load_public_key(key))["reason"] == "withdrawn"

    for path in [*public_paths(publication["id"]), media_url]:
        assert (await testimony.client.get(path)).status_code == 410, path
    assert (await testimony.client.get("/public/testimonies/feed.json")).json()["items"] == []
    listing = await testimony.client.get("/public/testimonies")
    assert publication["id"] not in listing.text
    atom = etree.fromstring((await testimony.client.get("/public/testimonies/feed.atom")).content)
    assert atom.findall(f"{{{ATOM_NS}}}entry") == []
    assert [d.get("ref") for d in atom.findall(f"{{{TOMBSTONE_NS}}}deleted-entry")] == [f"urn:uuid:{publication['id']}"]

    async with testimony.app.state.sessionmaker() as session:
        events = (await session.execute(select(tables.outbox_events))).all()
        audit = (await session.execute(select(tables.audit_log))).all()
    assert {"consent.withdrawn", "publication.taken_down"} <= {a.action for a in audit}
    assert all(SECRET_WORD not in json.dumps(a.detail or {}) for a in audit)
    purge = [e for e in events if e.type == TESTIMONY_TAKEN_DOWN]
    assert len(purge) == 1
    assert purge[0].payload["data"]["publication_id"] == publication["id"]
    assert SECRET_WORD not in json.dumps(purge[0].payload)


async def test_withdrawing_needs_only_the_token_and_refuses_a_wrong_one(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens)
    wrong = await testimony.client.post("/public/consent/withdrawals", json={"token": "wdr_" + "x" * 43})
    assert wrong.status_code == 401
    assert (await testimony.client.get(public_paths(journey["publication"]["id"])[0])).status_code == 200
    token = journey["consent"]["withdrawal_token"]
    assert (await testimony.client.post("/public/consent/withdrawals", json={"token": token})).status_code == 200
    again = await testimony.client.post("/public/consent/withdrawals", json={"token": token})
    assert again.status_code == 409


async def test_publication_record_keeps_the_takedown_and_erases_the_public_copy(
    testimony: Harness, tokens: Tokens
) -> None:
    journey = await published_testimony(testimony, tokens)
    await testimony.client.post("/public/consent/withdrawals", json={"token": journey["consent"]["withdrawal_token"]})
    from tests.testimony.api.factories import officer

    response = await testimony.client.get(f"/v1/publications/{journey['publication']['id']}", headers=officer(tokens))
    body = response.json()
    assert body["takedown_reason"] == "withdrawn"
    assert body["takedown_receipt"]
    async with testimony.app.state.sessionmaker() as session:
        from services.testimony.models import Publication

        row = (
            await session.execute(
                select(Publication.text, Publication.title).execution_options(include_all_tenants=True)
            )
        ).one()
    assert row.text is None
    assert row.title is None
