from __future__ import annotations

from tests.harness import Harness, Tokens
from tests.shared.test_smoke_applicants import APPLICANT


async def test_cursor_walks_every_record_once_in_order(eligibility: Harness, tokens: Tokens) -> None:
    created = []
    for _ in range(5):
        r = await eligibility.client.post(
            "/v1/applicants", json=APPLICANT, headers=tokens.partner("DE", "applicants:write")
        )
        created.append(r.json()["id"])
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"after": after} if after else {})
        page = (
            await eligibility.client.get(
                "/v1/applicants", params=params, headers=tokens.partner("DE", "applicants:read")
            )
        ).json()
        pages += 1
        seen += [a["id"] for a in page["items"]]
        after = page.get("next_cursor")
        if not after:
            break
    assert seen == sorted(created)
    assert pages == 3


async def test_forged_cursor_and_oversized_limit_are_problems(eligibility: Harness, tokens: Tokens) -> None:
    headers = tokens.partner("DE", "applicants:read")
    bad_cursor = await eligibility.client.get("/v1/applicants", params={"after": "!!"}, headers=headers)
    assert bad_cursor.status_code == 422
    assert "next_cursor" in bad_cursor.json()["detail"]
    too_many = await eligibility.client.get("/v1/applicants", params={"limit": 1000}, headers=headers)
    assert too_many.status_code == 422


async def test_a_listing_is_audited_with_the_number_of_records_shown(eligibility: Harness, tokens: Tokens) -> None:
    from sqlalchemy import select

    from services.eligibility.models import tables

    for _ in range(2):
        await eligibility.client.post(
            "/v1/applicants", json=APPLICANT, headers=tokens.partner("DE", "applicants:write")
        )
    page = await eligibility.client.get(
        "/v1/applicants", params={"limit": 1}, headers=tokens.partner("DE", "applicants:read")
    )
    assert len(page.json()["items"]) == 1
    async with eligibility.app.state.sessionmaker() as session:
        audit = tables.audit_log
        detail = (
            await session.execute(select(audit.c.detail).where(audit.c.action == "applicant.listed"))
        ).scalar_one()
    assert detail == {"count": 1}
