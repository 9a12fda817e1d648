"""Publication needs every required consent, two distinct reviewers, approvals where asked, and no embargo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.testimony.publication.takedown import sweep_lapsed
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import (
    SECRET_WORD,
    give_consent,
    in_hours,
    officer,
    public_paths,
    publish,
    published_testimony,
    redact,
    review,
    review_twice,
    submit,
    terms,
)


async def test_an_identified_family_member_blocks_publication_until_redacted_or_consenting(
    testimony: Harness, tokens: Tokens
) -> None:
    t = await submit(testimony, tokens)
    await give_consent(testimony, tokens, t["id"])
    unredacted = await redact(testimony, tokens, t["id"], hide_sister=False)
    await review_twice(testimony, tokens, t["id"], unredacted)
    refused = await publish(testimony, tokens, t["id"], unredacted["id"])
    assert refused.status_code == 409
    assert "sister-1: no_consent" in refused.json()["detail"]

    await give_consent(testimony, tokens, t["id"], subject_ref="sister-1", attribution="named")
    assert (await publish(testimony, tokens, t["id"], unredacted["id"])).status_code == 201


async def test_a_redacted_family_member_needs_no_consent(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens)
    assert journey["derivative"]["redacted_subjects"] == ["sister-1"]


async def test_two_distinct_reviewers_other_than_the_redactor_are_required(testimony: Harness, tokens: Tokens) -> None:
    t = await submit(testimony, tokens)
    await give_consent(testimony, tokens, t["id"])
    derivative = await redact(testimony, tokens, t["id"])
    # Maker-checker: the redactor reviewing their own derivative is refused as forbidden, like every self-approval.
    assert (await review(testimony, tokens, t["id"], derivative, "redactor")).status_code == 403
    assert (await review(testimony, tokens, t["id"], derivative, "reviewer-a")).status_code == 201
    assert (await review(testimony, tokens, t["id"], derivative, "reviewer-a")).status_code == 409
    one_review = await publish(testimony, tokens, t["id"], derivative["id"])
    assert one_review.status_code == 409
    assert "2 distinct reviewers" in one_review.json()["detail"]
    assert (await review(testimony, tokens, t["id"], derivative, "reviewer-b")).status_code == 201
    assert (await publish(testimony, tokens, t["id"], derivative["id"])).status_code == 201


async def test_a_review_of_other_content_is_refused(testimony: Harness, tokens: Tokens) -> None:
    t = await submit(testimony, tokens)
    derivative = await redact(testimony, tokens, t["id"])
    stale = {**derivative, "content_sha256": "0" * 64}
    assert (await review(testimony, tokens, t["id"], stale, "reviewer-a")).status_code == 409


async def test_the_applicant_must_approve_when_the_consent_asks_for_it(testimony: Harness, tokens: Tokens) -> None:
    t = await submit(testimony, tokens)
    consent = await give_consent(testimony, tokens, t["id"], approval_required=True)
    derivative = await redact(testimony, tokens, t["id"])
    await review_twice(testimony, tokens, t["id"], derivative)
    refused = await publish(testimony, tokens, t["id"], derivative["id"])
    assert refused.status_code == 409
    assert "approval_missing" in refused.json()["detail"]

    token = consent["withdrawal_token"]
    shown = await testimony.client.post("/public/consent/derivatives", json={"token": token})
    [pending] = shown.json()
    assert pending["approved"] is False
    approval = {"token": token, "derivative_id": derivative["id"], "content_sha256": pending["content_sha256"]}
    assert (await testimony.client.post("/public/consent/approvals", json=approval)).status_code == 201
    assert (await publish(testimony, tokens, t["id"], derivative["id"])).status_code == 201


async def test_nothing_is_published_before_the_embargo(testimony: Harness, tokens: Tokens) -> None:
    t = await submit(testimony, tokens)
    await give_consent(testimony, tokens, t["id"], embargo_until=in_hours(24))
    derivative = await redact(testimony, tokens, t["id"])
    await review_twice(testimony, tokens, t["id"], derivative)
    refused = await publish(testimony, tokens, t["id"], derivative["id"])
    assert refused.status_code == 409
    assert "embargoed" in refused.json()["detail"]


async def test_a_consent_without_the_public_purpose_publishes_nothing(testimony: Harness, tokens: Tokens) -> None:
    t = await submit(testimony, tokens)
    body = {"subject_ref": "author", "terms": {**terms(), "grants": {"prosecutors": {}}}}
    created = await testimony.client.post(f"/v1/testimonies/{t['id']}/consents", json=body, headers=officer(tokens))
    assert created.status_code == 201
    derivative = await redact(testimony, tokens, t["id"])
    await review_twice(testimony, tokens, t["id"], derivative)
    assert (await publish(testimony, tokens, t["id"], derivative["id"])).status_code == 409
    coverage = await testimony.client.get(
        f"/v1/testimonies/{t['id']}/derivatives/{derivative['id']}/coverage?purpose=prosecutors",
        headers=officer(tokens),
    )
    assert coverage.json()["allowed"] is True


async def test_narrowing_with_the_token_takes_down_what_it_no_longer_covers(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens)
    token = journey["consent"]["withdrawal_token"]
    # Asking to approve the exact derivative first is narrower, and the live derivative was never approved.
    narrowed_terms = terms(approval_required=True)
    response = await testimony.client.post("/public/consent/narrowings", json={"token": token, "terms": narrowed_terms})
    assert response.status_code == 200, response.text
    assert [t["reason"] for t in response.json()["takedowns"]] == ["narrowed"]
    for path in public_paths(journey["publication"]["id"]):
        assert (await testimony.client.get(path)).status_code == 410


async def test_a_narrowing_that_still_covers_the_publication_leaves_it_up(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens, expires_at=in_hours(48))
    token = journey["consent"]["withdrawal_token"]
    response = await testimony.client.post(
        "/public/consent/narrowings", json={"token": token, "terms": terms(expires_at=in_hours(24))}
    )
    assert response.status_code == 200, response.text
    assert response.json()["takedowns"] == []
    assert (await testimony.client.get(public_paths(journey["publication"]["id"])[0])).status_code == 200


async def test_a_narrowing_that_widens_is_refused(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens)
    response = await testimony.client.post(
        "/public/consent/narrowings",
        json={"token": journey["consent"]["withdrawal_token"], "terms": terms(attribution="named")},
    )
    assert response.status_code == 409


async def test_an_expired_consent_is_gone_at_once_and_swept_into_a_takedown(
    testimony: Harness, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    journey = await published_testimony(testimony, tokens, expires_at=in_hours(1))
    publication_id = journey["publication"]["id"]
    assert (await testimony.client.get(public_paths(publication_id)[0])).status_code == 200
    later = datetime.now(UTC) + timedelta(hours=2)
    # The feeds and documents, and the HTML page, each read the clock.
    monkeypatch.setattr("services.testimony.public.router.utc_now", lambda: later)
    monkeypatch.setattr("services.testimony.pages.router.utc_now", lambda: later)
    for path in public_paths(publication_id):
        assert (await testimony.client.get(path)).status_code == 410
    assert (await testimony.client.get("/public/testimonies/feed.json")).json()["items"] == []

    kit = testimony.app.state.toolkit
    async with testimony.app.state.sessionmaker() as session:
        swept = await sweep_lapsed(session, kit, later)
        await session.commit()
    assert [t.reason for t in swept] == ["expired"]
    record = await testimony.client.get(f"/v1/publications/{publication_id}", headers=officer(tokens))
    assert record.json()["takedown_reason"] == "expired"


async def test_a_derivative_cannot_be_published_twice_at_once(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens)
    again = await publish(testimony, tokens, journey["testimony"]["id"], journey["derivative"]["id"])
    assert again.status_code == 409


async def test_a_family_members_withdrawal_takes_down_what_identifies_them(testimony: Harness, tokens: Tokens) -> None:
    t = await submit(testimony, tokens)
    await give_consent(testimony, tokens, t["id"])
    sister = await give_consent(testimony, tokens, t["id"], subject_ref="sister-1", attribution="named")
    unredacted = await redact(testimony, tokens, t["id"], hide_sister=False)
    await review_twice(testimony, tokens, t["id"], unredacted)
    published = await publish(testimony, tokens, t["id"], unredacted["id"])
    assert published.status_code == 201
    withdrawal = await testimony.client.post("/public/consent/withdrawals", json={"token": sister["withdrawal_token"]})
    assert [t["reason"] for t in withdrawal.json()["takedowns"]] == ["withdrawn"]
    assert (await testimony.client.get(public_paths(published.json()["id"])[0])).status_code == 410


async def test_a_narrowed_expiry_moves_the_end_of_a_live_publication(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens, expires_at=in_hours(48))
    sooner = in_hours(24)
    await testimony.client.post(
        "/public/consent/narrowings",
        json={"token": journey["consent"]["withdrawal_token"], "terms": terms(expires_at=sooner)},
    )
    record = await testimony.client.get(f"/v1/publications/{journey['publication']['id']}", headers=officer(tokens))
    ends = datetime.fromisoformat(record.json()["covered_until"])
    assert ends == datetime.fromisoformat(sooner)


async def test_a_family_member_named_again_elsewhere_is_not_redacted(testimony: Harness, tokens: Tokens) -> None:
    text = f"My sister {SECRET_WORD} stayed behind. Later {SECRET_WORD.lower()} wrote to me."
    submitted = await submit(testimony, tokens, text=text)
    first = text.index(SECRET_WORD)
    body = {
        "title": "Letters",
        "spans": [
            {"start": first, "end": first + len(SECRET_WORD), "category": "family_name", "subject_ref": "sister-1"}
        ],
    }
    response = await testimony.client.post(
        f"/v1/testimonies/{submitted['id']}/derivatives", json=body, headers=officer(tokens, "DE", "redactor")
    )
    assert response.status_code == 422, response.text
    assert "sister-1" in response.json()["detail"]
    assert "redact every mention" in response.json()["detail"]
