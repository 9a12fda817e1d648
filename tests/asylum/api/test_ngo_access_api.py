"""NGOs see exactly the cases shared with them, at the level granted, until the grant is revoked."""

from __future__ import annotations

from typing import Any

from tests.asylum.api.factories import ngo, officer, open_case
from tests.harness import Harness, Tokens


async def grant(h: Harness, tokens: Tokens, case_id: str, level: str, ngo_org: str = "NGO-A") -> dict[str, Any]:
    answer = await h.client.post(
        f"/v1/cases/{case_id}/access-grants", json={"ngo_org": ngo_org, "level": level}, headers=officer(tokens)
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_an_ngo_without_a_grant_gets_404_and_an_empty_list(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    assert (await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))).status_code == 404
    assert (await cases_api.client.get("/v1/shared-cases", headers=ngo(tokens))).json()["items"] == []


async def test_a_status_grant_shows_state_dates_and_next_step_and_nothing_personal(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants",
        json={"relation": "spouse", "name": "Анна Петрова", "birth_date": "1990-01-01"},
        headers=officer(tokens),
    )
    await grant(cases_api, tokens, case["id"], "status")
    shared = await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))
    body = shared.json()
    assert body["level"] == "status"
    assert body["view"]["state"] == "registered"
    assert body["view"]["next_step"]
    for hidden in ("reference", "applicant_id", "dependants", "history"):
        assert body.get(hidden) is None
    for personal in ("Анна", "1990", case["applicant_id"]):
        assert personal not in shared.text


async def test_a_full_grant_shows_the_family_and_the_history(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants", json={"relation": "spouse", "name": "Анна"}, headers=officer(tokens)
    )
    await grant(cases_api, tokens, case["id"], "full")
    body = (await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))).json()
    assert body["applicant_id"] == case["applicant_id"]
    assert [d["name"] for d in body["dependants"]] == ["Анна"]
    assert [e["kind"] for e in body["history"]] == ["opened"]


async def test_revocation_takes_effect_before_the_call_returns(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    given = await grant(cases_api, tokens, case["id"], "full")
    assert (await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))).status_code == 200
    revoked = await cases_api.client.post(
        f"/v1/cases/{case['id']}/access-grants/{given['id']}/revoke", headers=officer(tokens)
    )
    assert revoked.json()["active"] is False
    assert (await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))).status_code == 404
    assert (await cases_api.client.get("/v1/shared-cases", headers=ngo(tokens))).json()["items"] == []


async def test_a_grant_to_one_ngo_shows_nothing_to_another(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await grant(cases_api, tokens, case["id"], "full", ngo_org="NGO-A")
    other = ngo(tokens, "NGO-B")
    assert (await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=other)).status_code == 404
    assert (await cases_api.client.get("/v1/shared-cases", headers=other)).json()["items"] == []


async def test_the_ngo_list_holds_exactly_the_granted_cases(cases_api: Harness, tokens: Tokens) -> None:
    shared = [await open_case(cases_api, tokens) for _ in range(2)]
    shared.append(await open_case(cases_api, tokens, org="PL"))
    await open_case(cases_api, tokens)
    for case in shared:
        org = case["partner_id"]
        await cases_api.client.post(
            f"/v1/cases/{case['id']}/access-grants",
            json={"ngo_org": "NGO-A", "level": "status"},
            headers=officer(tokens, org),
        )
    listed = await cases_api.client.get("/v1/shared-cases?limit=2", headers=ngo(tokens))
    page = listed.json()
    rest = await cases_api.client.get(f"/v1/shared-cases?after={page['next_cursor']}", headers=ngo(tokens))
    seen = [c["case_id"] for c in page["items"] + rest.json()["items"]]
    assert sorted(seen) == sorted(c["id"] for c in shared)


async def test_a_new_grant_to_the_same_ngo_replaces_the_old_one(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await grant(cases_api, tokens, case["id"], "full")
    await grant(cases_api, tokens, case["id"], "status")
    grants = (await cases_api.client.get(f"/v1/cases/{case['id']}/access-grants", headers=officer(tokens))).json()
    assert [(g["level"], g["active"]) for g in grants] == [("full", False), ("status", True)]
    body = (await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))).json()
    assert body["level"] == "status"


async def test_partners_cannot_use_the_ngo_view_and_ngos_cannot_use_the_partner_view(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await grant(cases_api, tokens, case["id"], "full")
    as_partner = await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=officer(tokens))
    assert as_partner.status_code == 403
    as_ngo = await cases_api.client.get(f"/v1/cases/{case['id']}", headers=ngo(tokens))
    assert as_ngo.status_code == 403


async def test_the_shared_list_holds_each_granted_case_at_its_level_and_no_other(
    cases_api: Harness, tokens: Tokens
) -> None:
    full = await open_case(cases_api, tokens)
    status = await open_case(cases_api, tokens, org="FR")
    other_ngo = await open_case(cases_api, tokens)
    await open_case(cases_api, tokens)
    await grant(cases_api, tokens, full["id"], "full")
    answer = await cases_api.client.post(
        f"/v1/cases/{status['id']}/access-grants",
        json={"ngo_org": "NGO-A", "level": "status"},
        headers=officer(tokens, "FR"),
    )
    assert answer.status_code == 201, answer.text
    await grant(cases_api, tokens, other_ngo["id"], "full", ngo_org="NGO-B")
    items = (await cases_api.client.get("/v1/shared-cases", headers=ngo(tokens))).json()["items"]
    assert {(i["case_id"], i["level"], i["partner_id"]) for i in items} == {
        (full["id"], "full", "DE"),
        (status["id"], "status", "FR"),
    }
    by_case = {i["case_id"]: i for i in items}
    assert by_case[full["id"]]["applicant_id"] == full["applicant_id"]
    assert by_case[status["id"]]["applicant_id"] is None
