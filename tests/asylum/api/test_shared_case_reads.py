"""The NGO's shared-case reads as plain rows: each case its own history, pages by grant, every read audited once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.asylum.models import tables
from tests.asylum.api.factories import database, move, ngo, officer, open_case
from tests.asylum.api.test_ngo_access_api import grant
from tests.harness import Harness, Tokens


async def read_audits(h: Harness) -> list[Any]:
    """The audit entries of NGO reads, oldest first."""
    log = tables.audit_log
    async with database(h) as session:
        stmt = select(log).where(log.c.action == "case.read_by_ngo").order_by(log.c.id)
        return list((await session.execute(stmt)).all())


async def test_each_listed_case_carries_its_own_history_and_pages_count_cases_not_history_entries(
    cases_api: Harness, tokens: Tokens
) -> None:
    # Cases with several history entries each: a page of one case must still hold that case's whole history.
    long = await open_case(cases_api, tokens)
    await move(cases_api, tokens, long["id"], "lodged", "interview_scheduled")
    short = await open_case(cases_api, tokens)
    await move(cases_api, tokens, short["id"], "lodged")
    status = await open_case(cases_api, tokens)
    await move(cases_api, tokens, status["id"], "lodged")
    await grant(cases_api, tokens, long["id"], "full")
    await grant(cases_api, tokens, short["id"], "full")
    await grant(cases_api, tokens, status["id"], "status")

    items: list[dict[str, Any]] = []
    path = "/v1/shared-cases?limit=1"
    for _ in range(4):
        page = (await cases_api.client.get(path, headers=ngo(tokens))).json()
        assert len(page["items"]) <= 1
        items += page["items"]
        if page["next_cursor"] is None:
            break
        path = f"/v1/shared-cases?limit=1&after={page['next_cursor']}"
    assert [i["case_id"] for i in items] == [long["id"], short["id"], status["id"]]
    # Each case shown audited once: not the look-ahead case a page reads to tell whether another follows.
    assert [a.resource_id for a in await read_audits(cases_api)] == [long["id"], short["id"], status["id"]]
    by_case = {i["case_id"]: i for i in items}
    assert [(e["kind"], e["to_state"], e["reason"]) for e in by_case[long["id"]]["history"]] == [
        ("opened", "registered", None),
        ("transition", "lodged", "step to lodged"),
        ("transition", "interview_scheduled", "step to interview_scheduled"),
    ]
    assert [e["to_state"] for e in by_case[short["id"]]["history"]] == ["registered", "lodged"]
    assert by_case[status["id"]]["history"] is None
    assert by_case[status["id"]]["view"]["state"] == "lodged"

    # The same history as the partner's own view of the case.
    own = await cases_api.client.get(f"/v1/cases/{long['id']}/history", headers=officer(tokens))
    assert [e["id"] for e in own.json()["items"]] == [e["id"] for e in by_case[long["id"]]["history"]]


async def test_every_read_is_audited_once_with_level_and_grant_and_a_refused_read_not_at_all(
    cases_api: Harness, tokens: Tokens
) -> None:
    full = await open_case(cases_api, tokens)
    await move(cases_api, tokens, full["id"], "lodged")
    status = await open_case(cases_api, tokens, org="FR")
    full_grant = await grant(cases_api, tokens, full["id"], "full")
    answer = await cases_api.client.post(
        f"/v1/cases/{status['id']}/access-grants",
        json={"ngo_org": "NGO-A", "level": "status"},
        headers=officer(tokens, "FR"),
    )
    status_grant = answer.json()
    unshared = await open_case(cases_api, tokens)

    assert (await cases_api.client.get(f"/v1/shared-cases/{full['id']}", headers=ngo(tokens))).status_code == 200
    assert (await cases_api.client.get(f"/v1/shared-cases/{unshared['id']}", headers=ngo(tokens))).status_code == 404
    missing = await cases_api.client.get(f"/v1/shared-cases/{full['id']}", headers=ngo(tokens, "NGO-B"))
    assert missing.status_code == 404
    assert [(a.resource_id, a.partner_id, a.detail) for a in await read_audits(cases_api)] == [
        (full["id"], "DE", {"level": "full", "grant_id": full_grant["id"]})
    ]
    entry = (await read_audits(cases_api))[0]
    assert (entry.actor_org, entry.actor_kind, entry.resource_type) == ("NGO-A", "ngo", "case")
    assert entry.request_id

    listed = await cases_api.client.get("/v1/shared-cases", headers=ngo(tokens))
    assert len(listed.json()["items"]) == 2
    audits = await read_audits(cases_api)
    assert [(a.resource_id, a.partner_id, a.detail) for a in audits[1:]] == [
        (full["id"], "DE", {"level": "full", "grant_id": full_grant["id"]}),
        (status["id"], "FR", {"level": "status", "grant_id": status_grant["id"]}),
    ]
    # A list that shows nothing audits nothing.
    assert (await cases_api.client.get("/v1/shared-cases", headers=ngo(tokens, "NGO-B"))).json()["items"] == []
    assert len(await read_audits(cases_api)) == 3
