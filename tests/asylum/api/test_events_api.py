"""Cases open from eligibility's approval event, once per applicant, whatever the retries."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from services.asylum.models import Case, Dependant, tables
from shared.schemas.events import APPLICANT_APPROVED, CASE_OPENED
from tests.asylum.api.factories import ROAD_TO_GRANT, database, lookup, move, officer, send_event
from tests.harness import Harness, Tokens


def approval(
    asylum_track: bool = True, family: bool = True, *, entitlements: dict[str, bool] | None = None, **overrides: Any
) -> dict[str, Any]:
    """An approval as eligibility sends it; `entitlements` replaces the default asylum-track ones."""
    data: dict[str, Any] = {
        "applicant_id": str(uuid.uuid4()),
        "assessment_id": str(uuid.uuid4()),
        "partner_id": "DE",
        "tier": "soldier",
        "policy_version": "DE-2026-1",
        "approved_on": "2026-11-26",
        "entitlements": entitlements
        or {"asylum_track": asylum_track, "family_covered": family, "family_asylum": family},
        "dependant_ids": [str(uuid.uuid4()), str(uuid.uuid4())],
    }
    return {**data, **overrides}


async def count_cases(h: Harness) -> int:
    async with database(h) as session:
        return int((await session.execute(select(func.count()).select_from(Case))).scalar_one())


async def test_an_approval_on_the_asylum_track_opens_a_case_with_the_family(cases_api: Harness, tokens: Tokens) -> None:
    data = approval()
    assert (await send_event(cases_api, APPLICANT_APPROVED, data)).status_code == 204
    listed = (await cases_api.client.get("/v1/cases", headers=officer(tokens))).json()["items"]
    assert [(c["applicant_id"], c["state"]) for c in listed] == [(data["applicant_id"], "registered")]
    family = await cases_api.client.get(f"/v1/cases/{listed[0]['id']}/dependants", headers=officer(tokens))
    assert sorted(d["person_ref"] for d in family.json()) == sorted(data["dependant_ids"])
    assert {d["relation"] for d in family.json()} == {"unknown"}
    async with database(cases_api) as session:
        types = (await session.execute(select(tables.outbox_events.c.type))).scalars().all()
    # The opening, and each family member added from the approval, are announced.
    assert sorted(types) == sorted([CASE_OPENED] + ["asylum.dependant.added"] * len(data["dependant_ids"]))


async def test_a_repeated_delivery_opens_one_case(cases_api: Harness) -> None:
    data = approval()
    event_id = str(uuid.uuid4())
    for _ in range(3):
        assert (await send_event(cases_api, APPLICANT_APPROVED, data, event_id=event_id)).status_code == 204
    assert await count_cases(cases_api) == 1
    async with database(cases_api) as session:
        dependants = (await session.execute(select(func.count()).select_from(Dependant))).scalar_one()
    assert dependants == 2


async def test_a_second_approval_of_the_same_applicant_opens_no_second_case(cases_api: Harness) -> None:
    data = approval()
    await send_event(cases_api, APPLICANT_APPROVED, data)
    await send_event(cases_api, APPLICANT_APPROVED, {**data, "assessment_id": str(uuid.uuid4())})
    assert await count_cases(cases_api) == 1


async def test_an_approval_with_neither_asylum_nor_residence_opens_nothing(cases_api: Harness) -> None:
    await send_event(cases_api, APPLICANT_APPROVED, approval(asylum_track=False))
    family_only = {"family_covered": True, "family_asylum": True, "family_residence_path": True}
    await send_event(cases_api, APPLICANT_APPROVED, approval(entitlements={**family_only, "citizenship_path": True}))
    assert await count_cases(cases_api) == 0


async def opened_case(h: Harness, tokens: Tokens, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Deliver an approval and return the case it opened and its dependants' person refs."""
    assert (await send_event(h, APPLICANT_APPROVED, data)).status_code == 204
    (case,) = (await h.client.get("/v1/cases", headers=officer(tokens))).json()["items"]
    family = await h.client.get(f"/v1/cases/{case['id']}/dependants", headers=officer(tokens))
    return case, sorted(d["person_ref"] for d in family.json())


async def test_an_asylum_approval_records_the_track_and_that_the_family_follows_it(
    cases_api: Harness, tokens: Tokens
) -> None:
    data = approval()
    case, family = await opened_case(cases_api, tokens, data)
    assert (case["track"], case["family_track"]) == ("asylum", "asylum")
    assert family == sorted(data["dependant_ids"])


async def test_an_approval_on_the_residence_path_opens_a_residence_case_with_the_family(
    cases_api: Harness, tokens: Tokens
) -> None:
    granted = {"residence_path": True, "family_covered": True, "family_residence_path": True}
    data = approval(entitlements=granted)
    case, family = await opened_case(cases_api, tokens, data)
    assert (case["track"], case["family_track"], case["state"]) == ("residence", "residence", "registered")
    assert family == sorted(data["dependant_ids"])


async def test_a_family_given_only_a_residence_path_is_recorded_so_on_an_asylum_case(
    cases_api: Harness, tokens: Tokens
) -> None:
    granted = {"asylum_track": True, "family_covered": True, "family_residence_path": True}
    data = approval(entitlements=granted)
    case, family = await opened_case(cases_api, tokens, data)
    assert (case["track"], case["family_track"]) == ("asylum", "residence")
    assert family == sorted(data["dependant_ids"])


async def test_no_dependants_join_when_no_family_track_applies(cases_api: Harness, tokens: Tokens) -> None:
    # `family_covered` alone names no track the family would follow; `family_asylum` needs the asylum track.
    granted = {"residence_path": True, "family_covered": True, "family_asylum": True}
    case, family = await opened_case(cases_api, tokens, approval(entitlements=granted))
    assert (case["track"], case["family_track"]) == ("residence", None)
    assert family == []


async def test_family_members_join_only_when_the_family_is_covered(cases_api: Harness) -> None:
    await send_event(cases_api, APPLICANT_APPROVED, approval(family=False))
    async with database(cases_api) as session:
        assert (await session.execute(select(func.count()).select_from(Dependant))).scalar_one() == 0


async def test_an_event_opened_case_belongs_to_the_approving_partner_only(cases_api: Harness, tokens: Tokens) -> None:
    await send_event(cases_api, APPLICANT_APPROVED, approval(partner_id="PL"))
    assert (await cases_api.client.get("/v1/cases", headers=officer(tokens))).json()["items"] == []
    assert len((await cases_api.client.get("/v1/cases", headers=officer(tokens, "PL"))).json()["items"]) == 1


async def test_an_unsigned_or_tampered_event_is_refused(cases_api: Harness) -> None:
    unsigned = await cases_api.client.post("/v1/events", json={"id": "x"})
    assert unsigned.status_code == 401
    assert await count_cases(cases_api) == 0


async def test_an_event_that_breaks_its_contract_is_refused_and_can_be_retried(cases_api: Harness) -> None:
    broken = approval()
    del broken["partner_id"]
    event_id = str(uuid.uuid4())
    assert (await send_event(cases_api, APPLICANT_APPROVED, broken, event_id=event_id)).status_code == 422
    fixed = await send_event(cases_api, APPLICANT_APPROVED, approval(), event_id=event_id)
    assert fixed.status_code == 204
    assert await count_cases(cases_api) == 1


async def test_unknown_event_types_are_accepted_and_ignored(cases_api: Harness) -> None:
    assert (await send_event(cases_api, "eligibility.something.happened", {"x": 1})).status_code == 204
    assert await count_cases(cases_api) == 0


async def test_an_event_type_of_another_service_is_refused_from_eligibility(cases_api: Harness) -> None:
    assert (await send_event(cases_api, "payments.something.happened", {"x": 1})).status_code == 401


async def move_to_permanent_residence(h: Harness, tokens: Tokens, case_id: str) -> None:
    road = (*ROAD_TO_GRANT, "residence_permit", "permanent_residence")
    assert (await move(h, tokens, case_id, *road)).status_code == 200


async def test_the_approvals_citizenship_path_is_recorded_and_opens_the_naturalisation_steps(
    cases_api: Harness, tokens: Tokens
) -> None:
    granted = {"asylum_track": True, "citizenship_path": True}
    case, _ = await opened_case(cases_api, tokens, approval(entitlements=granted))
    assert case["citizenship_path"] is True
    await move_to_permanent_residence(cases_api, tokens, case["id"])
    naturalised = await move(cases_api, tokens, case["id"], "citizenship_applied", "naturalised")
    assert naturalised.status_code == 200, naturalised.text
    assert naturalised.json()["state"] == "naturalised"


async def test_a_deserters_case_without_a_citizenship_path_is_not_naturalised(
    cases_api: Harness, tokens: Tokens
) -> None:
    case, _ = await opened_case(cases_api, tokens, approval())
    assert case["citizenship_path"] is False
    await move_to_permanent_residence(cases_api, tokens, case["id"])
    refused = await move(cases_api, tokens, case["id"], "citizenship_applied")
    assert refused.status_code == 409
    assert "no citizenship path" in refused.json()["detail"]


async def test_a_later_approval_that_grants_a_citizenship_path_opens_the_naturalisation_steps(
    cases_api: Harness, tokens: Tokens
) -> None:
    first = approval(approved_on="2026-11-26")
    case, _ = await opened_case(cases_api, tokens, first)
    await move_to_permanent_residence(cases_api, tokens, case["id"])
    later = {
        **first,
        "assessment_id": str(uuid.uuid4()),
        "approved_on": "2026-12-01",
        "entitlements": {**first["entitlements"], "citizenship_path": True},
    }
    assert (await send_event(cases_api, APPLICANT_APPROVED, later)).status_code == 204
    read = (await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))).json()
    assert (read["citizenship_path"], read["allowed_transitions"]) == (True, ["citizenship_applied", "withdrawn"])
    assert (await move(cases_api, tokens, case["id"], "citizenship_applied")).status_code == 200


async def test_an_older_approval_arriving_late_does_not_change_the_citizenship_path(
    cases_api: Harness, tokens: Tokens
) -> None:
    newer = approval(approved_on="2026-12-01", entitlements={"asylum_track": True, "citizenship_path": True})
    older = {
        **newer,
        "assessment_id": str(uuid.uuid4()),
        "approved_on": "2026-11-01",
        "entitlements": {"asylum_track": True},
    }
    case, _ = await opened_case(cases_api, tokens, newer)
    assert (await send_event(cases_api, APPLICANT_APPROVED, older)).status_code == 204
    read = (await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))).json()
    assert read["citizenship_path"] is True


async def test_a_residence_case_speaks_of_residence_to_its_partner_and_its_applicant(
    cases_api: Harness, tokens: Tokens
) -> None:
    case, _ = await opened_case(cases_api, tokens, approval(entitlements={"residence_path": True}))
    issued = await cases_api.client.post(f"/v1/cases/{case['id']}/applicant-secret", headers=officer(tokens))
    lodged = (await move(cases_api, tokens, case["id"], "lodged")).json()
    assert lodged["status"] == "Your residence permit application has been received and is being reviewed."
    answer = await lookup(cases_api, case["reference"], issued.json()["secret"], language="ru")
    assert answer.json()["status"] == "Ваше заявление на вид на жительство получено и рассматривается."
    assert "asylum" not in lodged["status"] + lodged["next_step"]
