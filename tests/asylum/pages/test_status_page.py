"""The status page: the lookup in plain words, the duress code indistinguishable, nothing in a URL."""
# ruff: noqa: RUF001  (Russian text: Cyrillic letters that look Latin are meant)

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import pytest

from services.asylum.cases.references import format_case_reference, generate_case_reference
from tests.asylum.api.factories import ROAD_TO_GRANT, move, officer, open_case
from tests.asylum.api.test_status_lookup_api import record_pause
from tests.asylum.conftest import start_asylum
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens
from tests.page_tools import (
    assert_page_headers,
    find_all,
    form_token,
    main_text,
    parse,
    submit,
    values,
    without_form_tokens,
)

RUSSIAN = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}


async def look_up(h: Harness, reference: str, secret: str, **kw: Any) -> Any:
    """Fill in and send the status form as the applicant would."""
    return await submit(h.client, "/status", "/status", {"reference": reference, "secret": secret}, **kw)


async def set_duress(h: Harness, case: dict[str, Any], duress: str = "sunflower 42") -> None:
    body = {"reference": case["reference"], "secret": case["secret"], "duress_secret": duress}
    assert (await h.client.post("/v1/status-lookup/duress-secret", json=body)).status_code == 204


@pytest.fixture
async def strict_pages(starter: AppStarter) -> AsyncIterator[Harness]:
    """An app that locks a reference after 2 failures."""
    async for h in start_asylum(starter, lookup_max_failures_per_reference=2, lookup_lockout_seconds=600):
        yield h


async def test_the_status_page_answers_in_plain_words_with_the_next_step_and_what_to_do(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "lodged")
    answer = await look_up(cases_api, case["reference"].lower().replace("-", " "), case["secret"])
    assert answer.status_code == 200
    words = main_text(answer.text)
    assert "Your asylum application has been received and is being reviewed." in words
    assert "You will be invited to an interview." in words
    assert "Tell your caseworker at once if your address or phone number changes." in words
    russian = await look_up(cases_api, case["reference"], case["secret"], headers=RUSSIAN)
    assert parse(russian.text).get("lang") == "ru"
    assert "Ваше заявление о предоставлении убежища получено и рассматривается." in main_text(russian.text)
    assert "Что вы можете сделать" in main_text(russian.text)


async def test_a_refused_applicant_is_told_he_can_appeal_and_that_it_is_urgent(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "lodged", "interview_scheduled", "interviewed", "refused")
    words = main_text((await look_up(cases_api, case["reference"], case["secret"])).text)
    assert "You can appeal." in words
    assert "An appeal has a deadline." in words


async def test_the_duress_code_shows_the_very_page_a_lodged_case_shows(cases_api: Harness, tokens: Tokens) -> None:
    granted = await open_case(cases_api, tokens)
    await move(cases_api, tokens, granted["id"], *ROAD_TO_GRANT)
    await set_duress(cases_api, granted)
    lodged = await open_case(cases_api, tokens)
    await move(cases_api, tokens, lodged["id"], "lodged")
    for headers in ({}, RUSSIAN):
        genuine = await look_up(cases_api, lodged["reference"], lodged["secret"], headers=headers)
        coerced = await look_up(cases_api, granted["reference"], "sunflower 42", headers=headers)
        assert coerced.status_code == genuine.status_code == 200
        assert without_form_tokens(coerced.text) == without_form_tokens(genuine.text)
        assert {k: v for k, v in coerced.headers.items() if k not in {"x-request-id", "content-length"}} == {
            k: v for k, v in genuine.headers.items() if k not in {"x-request-id", "content-length"}
        }
    # Behaving as the API does: the protection officer was alerted, quietly.
    alerts = (await cases_api.client.get("/v1/protection-alerts", headers=officer(tokens))).json()["items"]
    assert [alert["case_id"] for alert in alerts] == [granted["id"]]
    real = await look_up(cases_api, granted["reference"], granted["secret"])
    assert "You have been granted asylum." in main_text(real.text)


async def test_the_reference_and_secret_never_appear_in_a_url_or_the_answer(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    form = await cases_api.client.get("/status")
    assert values(form.text, "//form[@action='/status']/@method") == ["post"]
    assert values(form.text, "//form[@action='/status']//input[@name='secret']/@type") == ["password"]
    answer = await look_up(cases_api, case["reference"], case["secret"])
    assert answer.status_code == 200
    assert "location" not in answer.headers
    assert str(answer.url).endswith("/status")
    assert case["secret"] not in answer.text
    assert case["reference"] not in answer.text
    wrong = await look_up(cases_api, case["reference"], "WRONG-WRONG-WRONG")
    assert "WRONG-WRONG-WRONG" not in wrong.text


async def test_an_unknown_reference_and_a_wrong_secret_read_alike(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    unknown = format_case_reference(generate_case_reference())
    wrong_secret = await look_up(cases_api, case["reference"], "AAAA-BBBB-CCCC")
    wrong_reference = await look_up(cases_api, unknown, "AAAA-BBBB-CCCC")
    assert wrong_secret.status_code == wrong_reference.status_code == 404
    assert "No case matches this reference and secret." in main_text(wrong_secret.text)
    assert main_text(wrong_secret.text).replace(case["reference"], "") == main_text(wrong_reference.text).replace(
        unknown, ""
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("J3N7-BAYN-F1KS", "A case reference has 16 letters and digits"),
        ("J3N7-BAYN-F1KS-G5P!", "uses only digits and the letters A to Z"),
        ("J3N7-BAYN-F1KS-G5P3", "has a typing mistake"),
    ],
)
async def test_a_mistyped_reference_gets_a_helpful_message(cases_api: Harness, typed: str, message: str) -> None:
    answer = await look_up(cases_api, typed, "AAAA-BBBB-CCCC")
    assert answer.status_code == 422
    [alert] = find_all(answer.text, "//*[@role='alert']")
    assert message in " ".join(alert.text_content().split())
    assert values(answer.text, "//input[@name='reference']/@aria-invalid") == ["true"]
    # The reference is handed back to be corrected; the secret never is.
    assert values(answer.text, "//input[@name='reference']/@value") == [typed]


async def test_an_empty_form_asks_for_what_is_missing_in_the_readers_language(cases_api: Harness) -> None:
    english = await look_up(cases_api, "", "")
    assert english.status_code == 422
    assert "Enter your case reference." in main_text(english.text)
    russian = await look_up(cases_api, "J3N7-BAYN-F1KS-G5P2", "", headers=RUSSIAN)
    assert "Введите секретный код." in main_text(russian.text)


async def test_a_locked_out_applicant_is_told_how_long_to_wait_in_his_language(
    strict_pages: Harness, tokens: Tokens
) -> None:
    case = await open_case(strict_pages, tokens)
    for _ in range(2):
        await look_up(strict_pages, case["reference"], "AAAA-BBBB-CCCC")
    locked = await look_up(strict_pages, case["reference"], case["secret"], headers=RUSSIAN)
    assert locked.status_code == 429
    assert 540 <= int(locked.headers["retry-after"]) <= 600
    assert "Подождите 10 минут" in main_text(locked.text)
    english = await look_up(strict_pages, case["reference"], case["secret"])
    assert "Wait 10 minutes before trying again" in main_text(english.text)


async def test_a_failing_address_is_slowed_on_the_page_as_on_the_api_and_a_right_secret_is_not(
    starter: AppStarter, tokens: Tokens
) -> None:
    async for h in start_asylum(starter, lookup_free_failures_per_client=1, lookup_failure_delay_seconds=2):
        pauses: list[float] = []
        h.app.state.lookup_pause = partial(record_pause, pauses)
        case = await open_case(h, tokens)
        for _ in range(3):
            refused = await look_up(h, format_case_reference(generate_case_reference()), "AAAA-BBBB-CCCC")
            assert refused.status_code == 404
        assert pauses == [2.0, 4.0]
        answered = await look_up(h, case["reference"], case["secret"])
        assert answered.status_code == 200
        assert pauses == [2.0, 4.0]


async def test_a_residence_case_reads_as_a_residence_permit_application_on_the_page(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens, track="residence")
    await move(cases_api, tokens, case["id"], "lodged")
    words = main_text((await look_up(cases_api, case["reference"], case["secret"], headers=RUSSIAN)).text)
    assert "Ваше заявление на вид на жительство получено и рассматривается." in words
    assert "убежищ" not in words


async def test_every_status_page_carries_the_strict_headers(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    for response in (
        await cases_api.client.get("/status"),
        await look_up(cases_api, case["reference"], case["secret"]),
        await look_up(cases_api, case["reference"], "AAAA-BBBB-CCCC"),
    ):
        assert_page_headers(response, private=True)
        assert list(parse(response.text).iter("script")) == []


async def test_a_status_form_without_its_token_is_refused_and_looks_nothing_up(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    fields = {"reference": case["reference"], "secret": case["secret"]}
    # A page from another site: no token, or a token from another browser's session.
    foreign = await cases_api.client.get("/status", headers={"Cookie": ""})
    stolen = form_token(foreign.text)
    cases_api.client.cookies.clear()
    await cases_api.client.get("/status")
    for data in (fields, {**fields, "csrf_token": stolen}, {**fields, "csrf_token": "0" * 64}):
        refused = await cases_api.client.post("/status", data=data)
        assert refused.status_code == 403
        assert "The form could not be accepted" in main_text(refused.text)
        assert "Your case has been opened." not in refused.text
    cases_api.client.cookies.clear()
    no_cookie = await cases_api.client.post("/status", data={**fields, "csrf_token": stolen})
    assert no_cookie.status_code == 403


async def test_the_session_cookie_is_httponly_and_strict(cases_api: Harness) -> None:
    cookie = (await cases_api.client.get("/status")).headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie


async def test_the_page_speaks_the_browsers_language_until_the_reader_switches(cases_api: Harness) -> None:
    client = cases_api.client
    assert parse((await client.get("/status", headers=RUSSIAN)).text).get("lang") == "ru"
    assert parse((await client.get("/status", headers={"Accept-Language": "de, en;q=0.1"})).text).get("lang") == "en"
    assert parse((await client.get("/status", headers={"Accept-Language": "fr"})).text).get("lang") == "en"
    switched = await submit(client, "/status", "/language", {"language": "en", "next": "/status"}, headers=RUSSIAN)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/status"
    assert "carrots-lang=en" in switched.headers["set-cookie"]
    again = await client.get("/status", headers=RUSSIAN)
    assert parse(again.text).get("lang") == "en"
    assert "Check your case" in main_text(again.text)
    await submit(client, "/status", "/language", {"language": "ru", "next": "/status"})
    assert "Проверить дело" in main_text((await client.get("/status")).text)


@pytest.mark.parametrize("target", ["//elsewhere.example/x", "https://elsewhere.example/", "/status?secret=1", ""])
async def test_the_language_switch_only_returns_to_a_plain_page_of_this_site(cases_api: Harness, target: str) -> None:
    switched = await submit(cases_api.client, "/status", "/language", {"language": "ru", "next": target})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/"


async def test_the_language_switch_needs_its_form_token(cases_api: Harness) -> None:
    await cases_api.client.get("/status")
    refused = await cases_api.client.post("/language", data={"language": "ru", "next": "/status"})
    assert refused.status_code == 403
    assert "carrots-lang" not in refused.headers.get("set-cookie", "")
