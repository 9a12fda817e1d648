"""Another partner's case is not found on any route; statistics count only one's own cases."""

from __future__ import annotations

import uuid
from typing import Any

from tests.asylum.api.factories import ROAD_TO_GRANT, move, officer, open_case
from tests.asylum.conftest import start_asylum
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens


def routes(case_id: str, dependant_id: str, grant_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/v1/cases/{case_id}"
    return [
        ("GET", base, None),
        ("POST", f"{base}/transitions", {"to_state": "lodged", "reason": "x"}),
        ("GET", f"{base}/history", None),
        ("POST", f"{base}/transfer", {"to_partner": "FR", "reason": "x"}),
        ("POST", f"{base}/applicant-secret", None),
        ("GET", f"{base}/dependants", None),
        ("POST", f"{base}/dependants", {"relation": "child"}),
        ("POST", f"{base}/dependants/{dependant_id}/decision", {"decision": "granted", "reason": "x"}),
        ("GET", f"{base}/access-grants", None),
        ("POST", f"{base}/access-grants", {"ngo_org": "NGO-A", "level": "full"}),
        ("POST", f"{base}/access-grants/{grant_id}/revoke", None),
        ("POST", f"/v1/protection-alerts/{case_id}/acknowledge", None),
    ]


async def test_every_case_route_answers_404_for_another_partners_case(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    child = await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants", json={"relation": "child"}, headers=officer(tokens)
    )
    grant = await cases_api.client.post(
        f"/v1/cases/{case['id']}/access-grants", json={"ngo_org": "NGO-A", "level": "full"}, headers=officer(tokens)
    )
    missing = str(uuid.uuid4())
    for method, path, body in routes(case["id"], child.json()["id"], grant.json()["id"]):
        foreign = await cases_api.client.request(method, path, json=body, headers=officer(tokens, "PL"))
        assert foreign.status_code == 404, (method, path, foreign.text)
        absent = await cases_api.client.request(
            method, path.replace(case["id"], missing), json=body, headers=officer(tokens, "PL")
        )
        assert absent.status_code == 404
        assert foreign.json()["title"] == absent.json()["title"]
        assert foreign.json()["detail"].replace(case["id"], missing) == absent.json()["detail"]
    # Nothing the other partner tried changed the case.
    read = await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))
    assert (read.json()["state"], read.json()["partner_id"]) == ("registered", "DE")
    grants = await cases_api.client.get(f"/v1/cases/{case['id']}/access-grants", headers=officer(tokens))
    assert [g["active"] for g in grants.json()] == [True]


async def test_statistics_count_states_medians_and_decisions_of_the_partners_own_cases(
    starter: AppStarter, tokens: Tokens
) -> None:
    # Suppression off: this test pins what is counted; test_statistics_suppression pins what is withheld.
    async for cases_api in start_asylum(starter, stats_min_cell=1):
        granted, refused, fresh = [await open_case(cases_api, tokens) for _ in range(3)]
        await move(cases_api, tokens, granted["id"], *ROAD_TO_GRANT)
        await move(cases_api, tokens, refused["id"], "lodged", "interview_scheduled", "interviewed", "refused")
        other = await open_case(cases_api, tokens, org="PL")
        await move(cases_api, tokens, other["id"], *ROAD_TO_GRANT)

        stats = (await cases_api.client.get("/v1/case-statistics", headers=officer(tokens))).json()
        by_state = {state: cell["value"] for state, cell in stats["cases_by_state"].items()}
        assert by_state["granted"] == 1
        assert by_state["refused"] == 1
        assert by_state["registered"] == 1
        assert sum(by_state.values()) == 3
        month = next(iter(stats["decisions_per_month"]))
        decisions = {s: cell["value"] for s, cell in stats["decisions_per_month"][month].items()}
        assert decisions == {"granted": 1, "refused": 1}
        medians = stats["median_days_per_state"]
        assert set(medians) == {"registered", "lodged", "interview_scheduled", "interviewed"}
        assert all(cell["value"] >= 0 and not cell["suppressed"] for cell in medians.values())
        for ident in (granted["id"], granted["applicant_id"], fresh["reference"]):
            assert ident not in str(stats)
