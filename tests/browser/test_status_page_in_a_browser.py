"""The status page used as an applicant would, in Chromium: real secret, duress code, both languages."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from shared.schemas.events import APPLICANT_APPROVED
from tests.asylum.api.factories import approval_without_case
from tests.browser.conftest import Browser, Served
from tests.harness import signed_headers

OFFICER_SCOPES = ("cases:read", "cases:write", "cases:protection")


def open_case(served: Served, *states: str) -> dict[str, Any]:
    """Approve an applicant under DE, open his case as the partner's officer and move it through `states`."""
    headers = served.tokens.partner("DE", *OFFICER_SCOPES, subject="officer@DE")
    applicant_id, event_id = str(uuid.uuid4()), str(uuid.uuid4())
    approval = json.dumps(
        {
            "id": event_id,
            "type": APPLICANT_APPROVED,
            "source": "eligibility",
            "occurred_at": datetime.now(UTC).isoformat(),
            "partner_id": "DE",
            "data": approval_without_case("DE", applicant_id),
        }
    ).encode()
    with served.api("asylum") as api:
        heard = api.post(
            "/v1/events", content=approval, headers=signed_headers(served.var_dir, "eligibility", approval, event_id)
        )
        assert heard.status_code == 204, heard.text
        case: dict[str, Any] = api.post("/v1/cases", json={"applicant_id": applicant_id}, headers=headers).json()
        for state in states:
            moved = api.post(
                f"/v1/cases/{case['id']}/transitions", json={"to_state": state, "reason": "step"}, headers=headers
            )
            assert moved.status_code == 200, moved.text
    return case


def look_up(browser: Browser, served: Served, reference: str, secret: str, *, labels: tuple[str, str, str]) -> str:
    """Fill in the status form and press its button; returns the words of the answer."""
    browser.open(f"{served.origin('asylum')}/status")
    reference_label, secret_label, button = labels
    browser.type_into(reference_label, reference)
    browser.type_into(secret_label, secret)
    browser.press(button)
    return browser.main_text()


ENGLISH = ("Case reference", "Secret", "Show my status")
RUSSIAN = ("Номер дела", "Секретный код", "Показать статус")


def test_an_applicant_checks_his_case_with_his_secret_and_under_duress_in_both_languages(
    browser: Browser, served: Served
) -> None:
    granted = open_case(served, "lodged", "interview_scheduled", "interviewed", "granted")
    lodged = open_case(served, "lodged")
    with served.api("asylum") as api:
        duress = {"reference": granted["reference"], "secret": granted["secret"], "duress_secret": "sunflower 42"}
        assert api.post("/v1/status-lookup/duress-secret", json=duress).status_code == 204

    browser.open(f"{served.origin('asylum')}/status")
    assert browser.language() == "en"
    assert browser.fits_the_screen()
    browser.screenshot("status")
    real = look_up(browser, served, granted["reference"], granted["secret"], labels=ENGLISH)
    assert "You have been granted asylum." in real
    assert browser.driver.current_url == f"{served.origin('asylum')}/status"
    assert browser.fits_the_screen()
    browser.screenshot("status-answer")

    coerced = look_up(browser, served, granted["reference"], "sunflower 42", labels=ENGLISH)
    ordinary = look_up(browser, served, lodged["reference"], lodged["secret"], labels=ENGLISH)
    assert coerced == ordinary
    assert "Your asylum application has been received and is being reviewed." in coerced
    assert "granted" not in coerced

    browser.open(f"{served.origin('asylum')}/status")
    browser.press("Русский")
    assert browser.language() == "ru"
    assert "Проверить дело" in browser.main_text()
    browser.screenshot("status")
    real_ru = look_up(browser, served, granted["reference"], granted["secret"], labels=RUSSIAN)
    assert "Вам предоставлено убежище." in real_ru
    browser.screenshot("status-answer")
    coerced_ru = look_up(browser, served, granted["reference"], "sunflower 42", labels=RUSSIAN)
    assert coerced_ru == look_up(browser, served, lodged["reference"], lodged["secret"], labels=RUSSIAN)

    mistyped = look_up(browser, served, "J3N7-BAYN-F1KS", "x", labels=RUSSIAN)
    assert "Номер дела состоит из 16 букв и цифр" in mistyped
    browser.screenshot("status-mistake")

    with served.api("asylum") as api:
        alerts = api.get(
            "/v1/protection-alerts", headers=served.tokens.partner("DE", *OFFICER_SCOPES, subject="officer@DE")
        ).json()["items"]
    assert [alert["case_id"] for alert in alerts] == [granted["id"]]
    for url in browser.requested:
        assert granted["secret"] not in url
        assert granted["reference"] not in url
    assert browser.foreign_requests({served.origin("asylum")}) == []
