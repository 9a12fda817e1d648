"""Every change of a testimony is announced to subscribers as an event, and the events carry ids only."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import select

from services.testimony.models import tables
from shared.schemas import events as contracts
from shared.schemas.events import TESTIMONY_TAKEN_DOWN, RecordChanged
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import (
    ORIGINAL_TEXT,
    SECRET_WORD,
    add_image,
    give_consent,
    image_with_gps,
    in_hours,
    officer,
    publish,
    redact,
    review_twice,
    terms,
)

# Audit entries that record a read of personal data, not a change: they are not announced.
READS = {"consent.read", "derivative.read", "derivative.listed"}
# The change kept under its own event contract instead of a `testimony.<resource>.<action>` one.
SPECIFIC = {"publication.taken_down": TESTIMONY_TAKEN_DOWN}


async def walk_every_change(h: Harness, tokens: Tokens) -> dict[str, Any]:
    """Submit by token, add media, consent, redact, review, approve, publish, renew, narrow, withdraw."""
    issued = await h.client.post("/v1/submission-tokens", json={"applicant_id": "app-7"}, headers=officer(tokens))
    assert issued.status_code == 201, issued.text
    submission = {
        "token": issued.json()["token"],
        "language": "en",
        "text": ORIGINAL_TEXT,
        "family_member_refs": ["sister-1"],
    }
    submitted = await h.client.post("/public/submissions", json=submission)
    assert submitted.status_code == 201, submitted.text
    testimony_id = submitted.json()["testimony_id"]
    media = await add_image(h, tokens, testimony_id, image_with_gps())
    consent = await give_consent(h, tokens, testimony_id, expires_at=in_hours(100))
    derivative = await redact(h, tokens, testimony_id, media_ids=(media["id"],))
    await review_twice(h, tokens, testimony_id, derivative)
    approval = {
        "token": consent["withdrawal_token"],
        "derivative_id": derivative["id"],
        "content_sha256": derivative["content_sha256"],
    }
    assert (await h.client.post("/public/consent/approvals", json=approval)).status_code == 201
    published = await publish(h, tokens, testimony_id, derivative["id"])
    assert published.status_code == 201, published.text
    # Reads are audited but change nothing.
    assert (await h.client.get(f"/v1/testimonies/{testimony_id}/consents", headers=officer(tokens))).status_code == 200
    base = f"/v1/testimonies/{testimony_id}/consents/{consent['record_id']}"
    renewed = await h.client.post(
        f"{base}/renewals", json={"terms": terms(expires_at=in_hours(200))}, headers=officer(tokens)
    )
    assert renewed.status_code == 200, renewed.text
    narrowing = {"token": consent["withdrawal_token"], "terms": terms(expires_at=in_hours(150))}
    narrowed = await h.client.post("/public/consent/narrowings", json=narrowing)
    assert narrowed.status_code == 200, narrowed.text
    withdrawn = await h.client.post("/public/consent/withdrawals", json={"token": consent["withdrawal_token"]})
    assert withdrawn.status_code == 200, withdrawn.text
    assert len(withdrawn.json()["takedowns"]) == 1
    return {"submission_token": issued.json()["token"], "consent": consent, "derivative": derivative}


def event_key(event: Any) -> tuple[str, str]:
    """(type, id of the record it is about) of an outbox event."""
    data = event.payload["data"]
    return event.type, data["publication_id"] if event.type == TESTIMONY_TAKEN_DOWN else data["resource_id"]


async def test_every_audited_change_has_exactly_one_event_and_every_event_an_audited_change(
    testimony: Harness, tokens: Tokens
) -> None:
    await walk_every_change(testimony, tokens)
    async with testimony.app.state.sessionmaker() as session:
        audit = (await session.execute(select(tables.audit_log).order_by(tables.audit_log.c.id))).all()
        events = (await session.execute(select(tables.outbox_events).order_by(tables.outbox_events.c.id))).all()
    changes = [a for a in audit if a.action not in READS]
    assert {
        "submission_token.issued",
        "submission_token.used",
        "testimony.submitted",
        "testimony.media_added",
        "consent.given",
        "derivative.created",
        "derivative.reviewed",
        "derivative.approved_by_subject",
        "publication.published",
        "consent.renewed",
        "publication.coverage_changed",
        "consent.narrowed",
        "consent.withdrawn",
        "publication.taken_down",
    } == {a.action for a in changes}
    expected = Counter((SPECIFIC.get(a.action, f"testimony.{a.action}"), a.resource_id) for a in changes)
    assert Counter(event_key(e) for e in events) == expected
    for event in events:
        if event.type != TESTIMONY_TAKEN_DOWN:
            assert event.payload["data"]["action"] == event.type.rsplit(".", 1)[1]


async def test_announcements_carry_ids_only_never_text_terms_or_tokens(testimony: Harness, tokens: Tokens) -> None:
    journey = await walk_every_change(testimony, tokens)
    async with testimony.app.state.sessionmaker() as session:
        events = (await session.execute(select(tables.outbox_events))).all()
    secrets = [
        ORIGINAL_TEXT,
        SECRET_WORD,
        "The morning of the ninth",
        journey["derivative"]["text"],
        "sister-1",
        "notice-2026-11",
        "officer_witnessed",
        "public_publication",
        "anonymous",
        journey["submission_token"],
        journey["consent"]["withdrawal_token"],
        journey["consent"]["receipt"],
    ]
    for event in events:
        text = json.dumps(event.payload, ensure_ascii=False)
        assert [s for s in secrets if s in text] == [], event.type
        contract = contracts.TestimonyTakenDown if event.type == TESTIMONY_TAKEN_DOWN else RecordChanged
        assert set(event.payload["data"]) == set(contract.model_fields), event.type
