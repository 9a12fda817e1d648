"""The public testimony pages: what is published, how to verify it, gone once withdrawn, in both languages."""

from __future__ import annotations

from tests.harness import Harness, Tokens
from tests.page_tools import assert_page_headers, find_all, main_text, parse, values
from tests.testimony.api.factories import applicant_submits, officer, publish, published_testimony, reviewed_version

HOSTILE = '<script>alert("x")</script> & "quotes"'


async def test_the_list_and_each_testimony_show_how_to_verify_it_in_both_languages(
    testimony: Harness, tokens: Tokens
) -> None:
    journey = await published_testimony(testimony, tokens)
    item_path = f"/public/testimonies/{journey['publication']['id']}"
    for language, heading, check in (
        ("en", "Testimonies", "Check that the programme published this"),
        ("ru", "Свидетельства", "Проверьте, что это опубликовала программа"),
    ):
        listing = await testimony.client.get("/public/testimonies", headers={"Accept-Language": language})
        assert listing.status_code == 200
        assert_page_headers(listing, private=False)
        assert parse(listing.text).get("lang") == language
        assert values(listing.text, "//h1/text()") == [heading]
        assert journey["publication"]["page_url"] in values(listing.text, "//main//a/@href")
        item = await testimony.client.get(item_path, headers={"Accept-Language": language})
        assert check in main_text(item.text)
        links = set(values(item.text, "//main//a/@href"))
        assert {journey["publication"]["json_url"], journey["publication"]["manifest_url"]} <= links
        assert any(link.endswith("/.well-known/carrots-testimony-keys.json") for link in links)
        assert list(parse(item.text).iter("script")) == []


async def test_pages_escape_everything_the_applicant_wrote(testimony: Harness, tokens: Tokens) -> None:
    mine = await applicant_submits(testimony, tokens, text=f"{HOSTILE}\n\nSecond paragraph.")
    await testimony.client.post(
        "/public/consents",
        json={
            "token": mine["token"],
            "terms": {
                "grants": {"public_publication": {}},
                "notice_version": "my-testimony-2026-12/en",
                "method": "electronic_form",
            },
        },
    )
    version = await reviewed_version(testimony, tokens, mine["testimony_id"])
    publication = (await publish(testimony, tokens, mine["testimony_id"], version["id"])).json()
    for path in ("/public/testimonies", f"/public/testimonies/{publication['id']}"):
        answer = await testimony.client.get(path)
        assert "<script>" not in answer.text
    item = await testimony.client.get(f"/public/testimonies/{publication['id']}")
    assert "&lt;script&gt;" in item.text
    paragraphs = [p.text_content() for p in find_all(item.text, "//article/p")][1:]
    assert paragraphs == [HOSTILE, "Second paragraph."]


async def test_a_withdrawn_testimony_answers_410_and_one_never_published_404(
    testimony: Harness, tokens: Tokens
) -> None:
    journey = await published_testimony(testimony, tokens)
    path = f"/public/testimonies/{journey['publication']['id']}"
    await testimony.client.post(
        f"/v1/testimonies/{journey['testimony']['id']}/consents/{journey['consent']['record_id']}/withdrawals",
        headers=officer(tokens),
    )
    gone = await testimony.client.get(path, headers={"Accept-Language": "ru"})
    assert gone.status_code == 410
    assert "Это свидетельство отозвано" in gone.text
    assert journey["derivative"]["title"] not in gone.text
    assert 'content="noindex, noarchive"' in gone.text
    missing = await testimony.client.get("/public/testimonies/01a249e1-0000-7000-8000-000000000000")
    assert missing.status_code == 404
    listing = await testimony.client.get("/public/testimonies")
    assert "No testimony is published at the moment." in listing.text
