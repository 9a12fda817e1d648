"""`/my-testimony`: the applicant gives, narrows and withdraws consent himself, with his token kept out of URLs."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.testimony.models import PageSession
from shared.pages.security import session_cookie_name, session_key
from tests.harness import Harness, Tokens
from tests.page_tools import assert_page_headers, find_all, form_token, main_text, parse, values
from tests.testimony.api.factories import applicant_submits, give_consent, officer, publish, reviewed_version

RUSSIAN = {"Accept-Language": "ru"}
WITHDRAWAL_TOKEN = re.compile(r"wdr_[A-Za-z0-9_-]{43}")
GIVE = {
    "purpose": ["public_publication"],
    "attribution": "anonymous",
    "conditions": ["face_obscured", "voice_obscured"],
}


class Reader:
    """A browser on `/my-testimony`: follows nothing by itself and remembers every answer it got."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.answers: list[httpx.Response] = []
        self.posts = 0

    async def get(self, path: str = "/my-testimony", **kw: Any) -> httpx.Response:
        answer = await self.client.get(path, **kw)
        self.answers.append(answer)
        return answer

    async def post(self, action: str, fields: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        """Send a form of the page last seen, as a person pressing its button."""
        last = next(a for a in reversed(self.answers) if a.headers.get("content-type", "").startswith("text/html"))
        answer = await self.client.post(action, data={"csrf_token": form_token(last.text), **(fields or {})}, **kw)
        self.answers.append(answer)
        self.posts += 1
        if answer.status_code == 303:
            await self.get(answer.headers["location"], **kw)
        return answer

    async def open(self, token: str, **kw: Any) -> httpx.Response:
        await self.get(**kw)
        await self.post("/my-testimony/open", {"token": token}, **kw)
        return self.answers[-1]


async def opened_by_applicant(h: Harness, tokens: Tokens) -> tuple[dict[str, Any], Reader]:
    """A testimony the applicant sent, and his browser with `/my-testimony` opened by his submission token."""
    mine = await applicant_submits(h, tokens)
    reader = Reader(h.client)
    await reader.open(mine["token"])
    return mine, reader


async def test_the_applicant_gives_consent_himself_and_sees_his_withdrawal_token_once(
    testimony: Harness, tokens: Tokens
) -> None:
    mine = await applicant_submits(testimony, tokens)
    reader = Reader(testimony.client)
    dashboard = await reader.open(mine["token"])
    assert dashboard.status_code == 200
    assert "You have not given consent." in main_text(dashboard.text)
    given = await reader.post("/my-testimony/consent", GIVE)
    assert given.status_code == 200
    assert_page_headers(given, private=True)
    [token] = set(WITHDRAWAL_TOKEN.findall(given.text))
    assert "It is shown only this once" in main_text(given.text)
    # The shown-once page offers no language switch: leaving it would lose the token.
    assert parse(given.text).xpath("//form[@action='/language']") == []
    again = await reader.get()
    assert token not in again.text
    assert "Your consent is in force." in main_text(again.text)
    history = await testimony.client.get(f"/v1/testimonies/{mine['testimony_id']}/consents", headers=officer(tokens))
    [record] = history.json()
    assert record["events"][0]["terms"]["method"] == "electronic_form"
    assert record["events"][0]["terms"]["notice_version"] == "my-testimony-2026-12/en"


async def test_withdrawing_takes_no_more_steps_than_giving_and_the_testimony_is_gone_at_once(
    testimony: Harness, tokens: Tokens
) -> None:
    mine = await applicant_submits(testimony, tokens)
    giver = Reader(testimony.client)
    await giver.open(mine["token"])
    await giver.post("/my-testimony/consent", GIVE)
    version = await reviewed_version(testimony, tokens, mine["testimony_id"])
    publication = (await publish(testimony, tokens, mine["testimony_id"], version["id"])).json()
    public_page = f"/public/testimonies/{publication['id']}"
    assert (await testimony.client.get(public_page)).status_code == 200

    testimony.client.cookies.clear()
    withdrawer = Reader(testimony.client)
    await withdrawer.open(mine["token"])
    withdrawn = await withdrawer.post("/my-testimony/withdraw")
    assert withdrawer.posts <= giver.posts
    assert withdrawn.status_code == 200
    words = main_text(withdrawn.text)
    assert "Your consent is withdrawn" in words
    assert "Taken down before this page was shown" in words
    gone = await testimony.client.get(public_page)
    assert gone.status_code == 410
    assert version["title"] not in gone.text
    assert version["title"] not in (await testimony.client.get("/public/testimonies")).text
    assert "Nothing from your testimony is published." in main_text((await withdrawer.get()).text)


async def test_narrowing_from_the_page_takes_down_what_the_consent_no_longer_covers(
    testimony: Harness, tokens: Tokens
) -> None:
    mine, reader = await opened_by_applicant(testimony, tokens)
    await reader.post("/my-testimony/consent", {**GIVE, "purpose": ["public_publication", "press"]})
    version = await reviewed_version(testimony, tokens, mine["testimony_id"])
    publication = (await publish(testimony, tokens, mine["testimony_id"], version["id"])).json()
    dashboard = await reader.get()
    checked = values(dashboard.text, "//form[@action='/my-testimony/narrow']//input[@name='purpose'][@checked]/@value")
    assert checked == ["public_publication", "press"]
    widened = await reader.post(
        "/my-testimony/narrow", {**GIVE, "purpose": ["public_publication", "press"], "attribution": "named"}
    )
    assert widened.status_code == 409
    assert "A change can only take something away" in main_text(widened.text)
    narrowed = await reader.post("/my-testimony/narrow", {**GIVE, "purpose": ["press"]})
    assert narrowed.status_code == 200
    assert "Your consent is changed" in main_text(narrowed.text)
    assert (await testimony.client.get(f"/public/testimonies/{publication['id']}")).status_code == 410


async def test_the_applicant_approves_or_refuses_a_version_when_his_consent_asks_for_it(
    testimony: Harness, tokens: Tokens
) -> None:
    mine, reader = await opened_by_applicant(testimony, tokens)
    await reader.post("/my-testimony/consent", {**GIVE, "conditions": ["approval_required"]})
    waiting = await reader.get()
    assert "No version has been prepared yet." in main_text(waiting.text)
    version = await reviewed_version(testimony, tokens, mine["testimony_id"])
    shown = await reader.get()
    assert " ".join(version["text"].split("\n\n")[0].split()) in main_text(shown.text)
    answer = {"derivative_id": version["id"], "content_sha256": version["content_sha256"]}
    await reader.post("/my-testimony/answer", {**answer, "decision": "refuse"})
    assert "You refused this version." in main_text(reader.answers[-1].text)
    assert (await publish(testimony, tokens, mine["testimony_id"], version["id"])).status_code == 409
    await reader.post("/my-testimony/answer", {**answer, "decision": "approve"})
    assert "You approved this version." in main_text(reader.answers[-1].text)
    assert (await publish(testimony, tokens, mine["testimony_id"], version["id"])).status_code == 201
    published = main_text((await reader.get()).text)
    assert "This version is published." in published
    assert "Under your consent of" in published


async def test_the_token_never_appears_in_a_url_a_redirect_or_the_cookie(testimony: Harness, tokens: Tokens) -> None:
    mine, reader = await opened_by_applicant(testimony, tokens)
    given = await reader.post("/my-testimony/consent", GIVE)
    withdrawal_token = WITHDRAWAL_TOKEN.findall(given.text)[0]
    await reader.get()
    await reader.post("/my-testimony/withdraw")
    for answer in reader.answers:
        for secret in (mine["token"], withdrawal_token):
            assert secret not in str(answer.url)
            assert secret not in answer.headers.get("location", "")
            assert secret not in answer.headers.get("set-cookie", "")
            links = values(answer.text, "//@href | //@action") if answer.text else []
            assert all(secret not in link for link in links)
    assert mine["token"] not in "".join(a.text for a in reader.answers)


async def test_the_page_session_keeps_only_hashes(testimony: Harness, tokens: Tokens) -> None:
    mine = await applicant_submits(testimony, tokens)
    reader = Reader(testimony.client)
    opened = await reader.open(mine["token"])
    assert opened.status_code == 200
    cookie = testimony.client.cookies[session_cookie_name(False)]
    async with testimony.app.state.sessionmaker() as session:
        [row] = (await session.execute(select(PageSession))).scalars().all()
    assert row.id == session_key(cookie)
    assert row.token_hash == hashlib.sha256(mine["token"].encode()).hexdigest()
    assert cookie not in row.id


async def test_opening_the_page_gives_the_browser_a_new_session_and_closing_ends_it(
    testimony: Harness, tokens: Tokens
) -> None:
    mine = await applicant_submits(testimony, tokens)
    reader = Reader(testimony.client)
    await reader.get()
    planted = testimony.client.cookies[session_cookie_name(False)]
    await reader.open(mine["token"])
    opened = testimony.client.cookies[session_cookie_name(False)]
    assert opened != planted
    await reader.post("/my-testimony/close")
    assert testimony.client.cookies[session_cookie_name(False)] != opened
    closed = reader.answers[-1]
    assert parse(closed.text).xpath("//input[@name='token']")
    # The closed session's cookie opens nothing any more.
    testimony.client.cookies.set(session_cookie_name(False), opened)
    assert parse((await testimony.client.get("/my-testimony")).text).xpath("//input[@name='token']")


async def test_a_wrong_token_is_refused_with_a_helpful_message_in_the_readers_language(testimony: Harness) -> None:
    reader = Reader(testimony.client)
    refused = await reader.open("sub_" + "x" * 43, headers=RUSSIAN)
    assert refused.status_code == 401
    assert "Этот ключ недействителен." in main_text(refused.text)
    empty = await reader.post("/my-testimony/open", {"token": ""})
    assert empty.status_code == 422


async def test_mistakes_in_the_consent_form_are_explained_and_change_nothing(
    testimony: Harness, tokens: Tokens
) -> None:
    mine, reader = await opened_by_applicant(testimony, tokens)
    nothing = await reader.post("/my-testimony/consent", {"attribution": "anonymous"})
    assert nothing.status_code == 422
    assert "Choose at least one use of your testimony." in main_text(nothing.text)
    backwards = await reader.post(
        "/my-testimony/consent", {**GIVE, "embargo_until": "2030-05-01", "expires_on": "2030-01-01"}
    )
    assert "The last day must come after the first day." in main_text(backwards.text)
    garbled = await reader.post("/my-testimony/consent", {**GIVE, "expires_on": "soon"})
    assert "Write the last day as a date" in main_text(garbled.text)
    history = await testimony.client.get(f"/v1/testimonies/{mine['testimony_id']}/consents", headers=officer(tokens))
    assert history.json() == []


async def test_the_receipt_downloads_as_a_file_and_a_forged_one_is_not_handed_back(
    testimony: Harness, tokens: Tokens
) -> None:
    _mine, reader = await opened_by_applicant(testimony, tokens)
    given = await reader.post("/my-testimony/consent", GIVE, headers=RUSSIAN)
    inputs = find_all(given.text, "//form[@action='/my-testimony/receipt']//input")
    fields = {str(i.get("name")): str(i.get("value")) for i in inputs}
    fields.pop("csrf_token")
    download = await reader.post("/my-testimony/receipt", fields, headers=RUSSIAN)
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="consent-receipt.txt"'
    assert download.headers["cache-control"] == "no-store"
    assert fields["withdrawal_token"] in download.text
    assert fields["receipt"] in download.text
    assert "Ваш ключ отзыва" in download.text
    forged = await reader.post("/my-testimony/receipt", {**fields, "receipt": fields["receipt"][:-4] + "AAAA"})
    assert forged.status_code == 422
    assert fields["withdrawal_token"] not in forged.text


@pytest.mark.parametrize(
    "action",
    [
        "/my-testimony/open",
        "/my-testimony/consent",
        "/my-testimony/narrow",
        "/my-testimony/withdraw",
        "/my-testimony/answer",
        "/my-testimony/receipt",
        "/my-testimony/close",
        "/language",
    ],
)
async def test_every_form_without_its_token_is_refused_and_changes_nothing(
    testimony: Harness, tokens: Tokens, action: str
) -> None:
    mine = await applicant_submits(testimony, tokens)
    await give_consent(testimony, tokens, mine["testimony_id"], subject_ref="author")
    reader = Reader(testimony.client)
    await reader.open(mine["token"])
    for forged in ({}, {"csrf_token": "f" * 64}):
        refused = await testimony.client.post(action, data={**forged, "token": mine["token"], **GIVE})
        assert refused.status_code == 403
        assert_page_headers(refused, private=True)
    history = await testimony.client.get(f"/v1/testimonies/{mine['testimony_id']}/consents", headers=officer(tokens))
    assert [e["event"] for e in history.json()[0]["events"]] == ["given"]


async def test_a_session_that_ended_asks_for_the_token_again(testimony: Harness, tokens: Tokens) -> None:
    reader = Reader(testimony.client)
    await reader.get()
    closed = await reader.post("/my-testimony/withdraw")
    assert closed.status_code == 401
    assert "Your page was closed." in main_text(closed.text)


async def test_a_withdrawal_token_opens_the_page_and_follows_consent_given_again(
    testimony: Harness, tokens: Tokens
) -> None:
    _mine, reader = await opened_by_applicant(testimony, tokens)
    first = WITHDRAWAL_TOKEN.findall((await reader.post("/my-testimony/consent", GIVE)).text)[0]
    testimony.client.cookies.clear()
    other = Reader(testimony.client)
    assert "Your consent is in force." in main_text((await other.open(first)).text)
    await other.post("/my-testimony/withdraw")
    await other.get()
    regiven = await other.post("/my-testimony/consent", GIVE)
    second = WITHDRAWAL_TOKEN.findall(regiven.text)[0]
    assert second != first
    # The page opened with the old token now follows the new one; the old token opens nothing.
    assert "Your consent is in force." in main_text((await other.get()).text)
    testimony.client.cookies.clear()
    assert (await Reader(testimony.client).open(first)).status_code == 401


async def test_private_pages_are_never_stored_and_carry_the_strict_headers(testimony: Harness, tokens: Tokens) -> None:
    _mine, reader = await opened_by_applicant(testimony, tokens)
    await reader.post("/my-testimony/consent", GIVE)
    for answer in reader.answers:
        if answer.status_code != 303:
            assert_page_headers(answer, private=True)
            assert list(parse(answer.text).iter("script")) == []
        else:
            assert answer.headers["cache-control"] == "no-store"
    css = await testimony.client.get("/assets/pages.css")
    assert css.headers["content-type"].startswith("text/css")


async def test_the_page_follows_the_readers_language(testimony: Harness, tokens: Tokens) -> None:
    mine = await applicant_submits(testimony, tokens)
    reader = Reader(testimony.client)
    russian = await reader.open(mine["token"], headers=RUSSIAN)
    assert parse(russian.text).get("lang") == "ru"
    assert "Вы не давали согласия." in main_text(russian.text)
    given = await reader.post("/my-testimony/consent", GIVE, headers=RUSSIAN)
    assert "Ваше согласие записано" in main_text(given.text)
    history = await testimony.client.get(f"/v1/testimonies/{mine['testimony_id']}/consents", headers=officer(tokens))
    assert history.json()[0]["events"][0]["terms"]["notice_version"] == "my-testimony-2026-12/ru"
