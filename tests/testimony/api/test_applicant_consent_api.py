"""The applicant's own consent over the API: his token, his withdrawal token, his view, his answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.testimony.models import ConsentRecord
from services.testimony.signing.keys import load_public_key
from services.testimony.signing.receipts import read_consent_receipt
from shared.tenancy import ALL_TENANTS, scope_to_tenant
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import (
    applicant_submits,
    give_consent,
    officer,
    own_terms,
    publish,
    reviewed_version,
    submit,
)


async def give_own(h: Harness, token: str, **conditions: Any) -> Any:
    return await h.client.post("/public/consents", json={"token": token, "terms": own_terms(**conditions)})


async def test_the_applicant_gives_consent_with_his_submission_token_and_alone_receives_the_withdrawal_token(
    testimony: Harness, tokens: Tokens
) -> None:
    mine = await applicant_submits(testimony, tokens)
    given = await give_own(testimony, mine["token"])
    assert given.status_code == 201, given.text
    body = given.json()
    assert body["subject_ref"] == "author"
    assert body["withdrawal_token"].startswith("wdr_")
    key = load_public_key((await testimony.client.get("/.well-known/carrots-testimony-key.pem")).content)
    receipt = read_consent_receipt(body["receipt"], key)
    assert receipt["terms"]["method"] == "electronic_form"
    assert receipt["testimony_id"] == mine["testimony_id"]
    # The officer sees the consent in the history, never the token.
    history = await testimony.client.get(f"/v1/testimonies/{mine['testimony_id']}/consents", headers=officer(tokens))
    assert history.json()[0]["active"] is True
    assert body["withdrawal_token"] not in history.text
    # Both his tokens now act for the same consent.
    for token in (mine["token"], body["withdrawal_token"]):
        view = await testimony.client.post("/public/my-testimony", json={"token": token})
        assert view.status_code == 200
        assert view.json()["consent"]["id"] == body["record_id"]


async def test_an_unused_or_unknown_submission_token_opens_nothing(testimony: Harness, tokens: Tokens) -> None:
    unused = await testimony.client.post(
        "/v1/submission-tokens", json={"applicant_id": "app-1"}, headers=officer(tokens)
    )
    for token in (unused.json()["token"], "sub_" + "x" * 43, "wdr_" + "x" * 43):
        assert (await testimony.client.post("/public/my-testimony", json={"token": token})).status_code == 401
        assert (await give_own(testimony, token)).status_code == 401


async def test_consent_in_force_cannot_be_given_twice_and_a_token_gives_only_through_a_form(
    testimony: Harness, tokens: Tokens
) -> None:
    mine = await applicant_submits(testimony, tokens)
    paper = own_terms()
    paper["method"] = "officer_witnessed"
    refused = await testimony.client.post("/public/consents", json={"token": mine["token"], "terms": paper})
    assert refused.status_code == 422
    assert (await give_own(testimony, mine["token"])).status_code == 201
    assert (await give_own(testimony, mine["token"])).status_code == 409


async def test_giving_again_after_withdrawing_issues_a_new_withdrawal_token_and_retires_the_old(
    testimony: Harness, tokens: Tokens
) -> None:
    mine = await applicant_submits(testimony, tokens)
    first = (await give_own(testimony, mine["token"])).json()
    withdrawn = await testimony.client.post("/public/consent/withdrawals", json={"token": mine["token"]})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["event"] == "withdrawn"
    second = await give_own(testimony, first["withdrawal_token"])
    assert second.status_code == 201
    assert second.json()["withdrawal_token"] != first["withdrawal_token"]
    old = await testimony.client.post("/public/my-testimony", json={"token": first["withdrawal_token"]})
    assert old.status_code == 401


async def test_the_officer_path_still_records_consent_and_the_applicant_can_withdraw_it_with_his_token(
    testimony: Harness, tokens: Tokens
) -> None:
    mine = await applicant_submits(testimony, tokens)
    await give_consent(testimony, tokens, mine["testimony_id"])
    view = (await testimony.client.post("/public/my-testimony", json={"token": mine["token"]})).json()
    assert view["consent"]["active"] is True
    assert view["approval_required"] is False
    withdrawn = await testimony.client.post("/public/consent/withdrawals", json={"token": mine["token"]})
    assert withdrawn.status_code == 200


async def test_an_officer_can_hand_the_author_of_a_testimony_he_took_in_a_token_that_submits_nothing(
    testimony: Harness, tokens: Tokens
) -> None:
    taken = await submit(testimony, tokens, family=())
    wrong = await testimony.client.post(
        "/v1/submission-tokens",
        json={"applicant_id": "someone-else", "testimony_id": taken["id"]},
        headers=officer(tokens),
    )
    assert wrong.status_code == 404
    other_partner = await testimony.client.post(
        "/v1/submission-tokens",
        json={"applicant_id": "app-1", "testimony_id": taken["id"]},
        headers=officer(tokens, "PL"),
    )
    assert other_partner.status_code == 404
    issued = await testimony.client.post(
        "/v1/submission-tokens", json={"applicant_id": "app-1", "testimony_id": taken["id"]}, headers=officer(tokens)
    )
    token = issued.json()["token"]
    submitted = await testimony.client.post("/public/submissions", json={"token": token, "language": "en", "text": "x"})
    assert submitted.status_code == 401
    assert (await give_own(testimony, token)).status_code == 201
    view = (await testimony.client.post("/public/my-testimony", json={"token": token})).json()
    assert view["testimony_id"] == taken["id"]


async def test_a_refused_version_cannot_be_published_and_a_published_one_cannot_be_refused(
    testimony: Harness, tokens: Tokens
) -> None:
    mine = await applicant_submits(testimony, tokens)
    await give_own(testimony, mine["token"])
    version = await reviewed_version(testimony, tokens, mine["testimony_id"])
    answer = {"token": mine["token"], "derivative_id": version["id"], "content_sha256": version["content_sha256"]}
    refused = await testimony.client.post("/public/consent/refusals", json=answer)
    assert refused.status_code == 201
    assert refused.json()["refused"] is True
    assert refused.json()["approved"] is False
    assert (await publish(testimony, tokens, mine["testimony_id"], version["id"])).status_code == 409
    read = await testimony.client.get(
        f"/v1/testimonies/{mine['testimony_id']}/derivatives/{version['id']}", headers=officer(tokens)
    )
    assert read.json()["refused_by_subjects"] == ["author"]
    assert read.json()["approved_by_subjects"] == []
    approved = await testimony.client.post("/public/consent/approvals", json=answer)
    assert approved.json()["approved"] is True
    published = await publish(testimony, tokens, mine["testimony_id"], version["id"])
    assert published.status_code == 201
    late = await testimony.client.post("/public/consent/refusals", json=answer)
    assert late.status_code == 409
    assert "narrow or withdraw" in late.json()["detail"]


async def test_my_testimony_shows_what_is_published_and_under_which_of_his_consents(
    testimony: Harness, tokens: Tokens
) -> None:
    mine = await applicant_submits(testimony, tokens)
    given = (await give_own(testimony, mine["token"], approval_required=False)).json()
    version = await reviewed_version(testimony, tokens, mine["testimony_id"])
    publication = (await publish(testimony, tokens, mine["testimony_id"], version["id"])).json()
    view = (await testimony.client.post("/public/my-testimony", json={"token": mine["token"]})).json()
    [shown] = view["publications"]
    assert shown["live"] is True
    assert shown["page_url"] == publication["page_url"]
    assert shown["relies_on"] == given["consent_version"]
    assert shown["title"] == version["title"]
    assert shown["text"] == version["text"]
    await testimony.client.post("/public/consent/withdrawals", json={"token": mine["token"]})
    after = (await testimony.client.post("/public/my-testimony", json={"token": mine["token"]})).json()
    [gone] = after["publications"]
    assert gone["live"] is False
    assert gone["takedown_reason"] == "withdrawn"
    assert gone["title"] is None
    assert gone["text"] is None


async def test_the_withdrawal_token_is_stored_only_as_its_hash(testimony: Harness, tokens: Tokens) -> None:
    mine = await applicant_submits(testimony, tokens)
    token = (await give_own(testimony, mine["token"])).json()["withdrawal_token"]
    async with testimony.app.state.sessionmaker() as session:
        scope_to_tenant(session, ALL_TENANTS)
        stored = (await session.execute(select(ConsentRecord))).scalars().one()
    assert token not in stored.withdrawal_token_hash
    assert len(stored.withdrawal_token_hash) == 64
