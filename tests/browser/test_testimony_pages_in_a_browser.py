"""Consent given, used and withdrawn in Chromium, as the applicant and a reader of the public page would."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.browser.conftest import Browser, Served
from tests.testimony.api.factories import ALL_SCOPES

TEXT = "We were ordered to shell the village at dawn.\n\nI refused and crossed the lines that night."


def officer(served: Served, subject: str) -> dict[str, str]:
    return served.tokens.partner("DE", *ALL_SCOPES, subject=subject)


def hand_over_and_submit(served: Served) -> tuple[str, str]:
    """The officer hands over a submission token and the applicant sends his testimony with it."""
    with served.api("testimony") as api:
        issued = api.post("/v1/submission-tokens", json={"applicant_id": "app-9"}, headers=officer(served, "intake"))
        token: str = issued.json()["token"]
        sent = api.post("/public/submissions", json={"token": token, "language": "en", "text": TEXT})
        assert sent.status_code == 201, sent.text
        return token, sent.json()["testimony_id"]


def prepare_version(served: Served, testimony_id: str) -> dict[str, Any]:
    """A redactor makes a version and two reviewers approve it."""
    with served.api("testimony") as api:
        made = api.post(
            f"/v1/testimonies/{testimony_id}/derivatives",
            json={"title": "The village at dawn"},
            headers=officer(served, "redactor"),
        )
        version: dict[str, Any] = made.json()
        for reviewer in ("reviewer-a", "reviewer-b"):
            reviewed = api.post(
                f"/v1/testimonies/{testimony_id}/derivatives/{version['id']}/reviews",
                json={"content_sha256": version["content_sha256"]},
                headers=officer(served, reviewer),
            )
            assert reviewed.status_code == 201, reviewed.text
    return version


def publish(served: Served, testimony_id: str, version_id: str) -> str:
    with served.api("testimony") as api:
        published = api.post(
            f"/v1/testimonies/{testimony_id}/derivatives/{version_id}/publications", headers=officer(served, "editor")
        )
        assert published.status_code == 201, published.text
        page_url: str = published.json()["page_url"]
        return page_url


def downloaded(folder: Path) -> str:
    """The text of the one file the browser downloaded, once it is complete."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        files = [f for f in folder.iterdir() if not f.name.endswith(".crdownload")]
        if files:
            return files[0].read_text(encoding="utf-8")
        time.sleep(0.1)
    raise AssertionError("nothing was downloaded")


def test_the_applicant_gives_consent_sees_it_used_and_withdraws_it_and_the_public_page_forgets_it(
    browser: Browser, served: Served
) -> None:
    token, testimony_id = hand_over_and_submit(served)
    origin = served.origin("testimony")
    home = f"{origin}/my-testimony"

    browser.open(home)
    assert browser.fits_the_screen()
    browser.screenshot("my-testimony-open")
    browser.type_into("Your token", token)
    browser.press("Open")
    assert browser.driver.current_url == home
    assert "You have not given consent." in browser.main_text()
    browser.screenshot("my-testimony")
    steps_to_give = 2  # open with the token, then give
    browser.press("Give my consent")
    assert "Your consent is recorded" in browser.main_text()
    withdrawal_token = browser.find("#withdrawal-token").text
    assert withdrawal_token.startswith("wdr_")
    assert browser.fits_the_screen()
    browser.screenshot("my-testimony-receipt")
    browser.press("Download the token and receipt as a file", navigates=False)
    file_text = downloaded(browser.downloads)
    assert withdrawal_token in file_text
    assert "Receipt of your consent" in file_text

    version = prepare_version(served, testimony_id)
    browser.open(home)
    assert "The village at dawn" in browser.main_text()
    browser.press("Approve this version")
    assert "You approved this version." in browser.main_text()
    page_url = publish(served, testimony_id, version["id"])

    browser.open(f"{origin}/public/testimonies")
    assert browser.fits_the_screen()
    browser.screenshot("public-list")
    browser.follow("The village at dawn")
    assert browser.driver.current_url == page_url
    assert "Check that the programme published this" in browser.main_text()
    assert "I refused and crossed the lines that night." in browser.main_text()
    assert browser.fits_the_screen()
    browser.screenshot("public-item")

    # Withdrawing, later and in a fresh page: the token, then one button.
    browser.driver.delete_all_cookies()
    browser.open(home)
    browser.type_into("Your token", withdrawal_token)
    browser.press("Open")
    assert "This version is published." in browser.main_text()
    browser.screenshot("my-testimony-published")
    browser.press("Withdraw my consent")
    steps_to_withdraw = 2
    assert steps_to_withdraw <= steps_to_give
    assert "Your consent is withdrawn" in browser.main_text()
    assert "Taken down before this page was shown" in browser.main_text()
    browser.screenshot("my-testimony-withdrawn")
    browser.open(f"{origin}/public/testimonies")
    assert "The village at dawn" not in browser.main_text()
    assert "No testimony is published at the moment." in browser.main_text()
    browser.open(page_url)
    assert "This testimony has been withdrawn" in browser.main_text()
    assert "I refused" not in browser.driver.page_source
    browser.screenshot("public-gone")

    # The same pages in Russian, switched by the reader.
    browser.open(f"{origin}/public/testimonies")
    browser.press("Русский")
    assert browser.language() == "ru"
    assert "Свидетельства" in browser.main_text()
    browser.open(home)
    assert "Вы отозвали согласие" in browser.main_text()
    browser.screenshot("my-testimony")
    browser.press("Дать согласие")
    assert "Ваше согласие записано" in browser.main_text()
    browser.screenshot("my-testimony-receipt")
    page_url = publish(served, testimony_id, version["id"])
    browser.open(f"{origin}/public/testimonies")
    browser.screenshot("public-list")
    browser.open(page_url)
    assert "Проверьте, что это опубликовала программа" in browser.main_text()
    browser.screenshot("public-item")
    browser.open(home)
    assert "Эта версия опубликована." in browser.main_text()
    browser.screenshot("my-testimony-published")
    browser.press("Отозвать моё согласие")
    assert "Ваше согласие отозвано" in browser.main_text()
    browser.screenshot("my-testimony-withdrawn")
    browser.open(page_url)
    assert "Это свидетельство отозвано" in browser.main_text()
    browser.screenshot("public-gone")
    browser.open(home)
    browser.press("Закрыть эту страницу")
    assert "Ваш ключ" in browser.main_text()
    browser.screenshot("my-testimony-open")

    for url in browser.requested:
        assert token not in url
        assert withdrawal_token not in url
    assert browser.foreign_requests({origin}) == []


def test_a_russian_browser_gets_russian_pages_without_asking(browser: Browser, served: Served) -> None:
    browser.driver.execute_cdp_cmd("Network.enable", {})
    browser.driver.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}}
    )
    for url in (f"{served.origin('asylum')}/status", f"{served.origin('testimony')}/my-testimony"):
        browser.open(url)
        assert browser.language() == "ru"
    assert "Ваше свидетельство" in browser.main_text()
    assert browser.foreign_requests({served.origin("asylum"), served.origin("testimony")}) == []
