"""Cases over the API: opening, the enforced life cycle, history and the events it announces."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
from sqlalchemy import select, text

from services.asylum.cases.references import parse_case_reference
from services.asylum.models import Case, tables
from shared.schemas.events import APPLICANT_APPROVED, CASE_OPENED, CASE_STATUS_CHANGED
from tests.asylum.api.factories import ROAD_TO_GRANT, approve, database, move, officer, open_case, send_event
from tests.asylum.unit.test_case_states import is_legal
from tests.harness import Harness, Tokens


async def test_a_new_case_starts_registered_with_a_readable_reference_and_a_one_time_secret(
    cases_api: Harness, tokens: Tokens
) -> None:
    created = await open_case(cases_api, tokens)
    assert created["state"] == "registered"
    assert created["allowed_transitions"] == ["lodged", "withdrawn"]
    parse_case_reference(created["reference"])
    assert created["secret"]
    read = await cases_api.client.get(f"/v1/cases/{created['id']}", headers=officer(tokens))
    assert read.status_code == 200
    assert "secret" not in read.json()


async def test_a_case_opened_over_the_api_records_its_track_and_family_track(
    cases_api: Harness, tokens: Tokens
) -> None:
    plain = await open_case(cases_api, tokens)
    assert (plain["track"], plain["family_track"]) == ("asylum", None)
    body = {"applicant_id": await approve(cases_api), "track": "residence", "family_track": "residence"}
    created = await cases_api.client.post("/v1/cases", json=body, headers=officer(tokens))
    assert created.status_code == 201, created.text
    read = await cases_api.client.get(f"/v1/cases/{created.json()['id']}", headers=officer(tokens))
    assert (read.json()["track"], read.json()["family_track"]) == ("residence", "residence")
    async with database(cases_api) as session:
        stored = await session.get(Case, created.json()["id"])
        assert stored is not None
        assert (stored.track, stored.family_track) == ("residence", "residence")
    unknown = {"applicant_id": await approve(cases_api), "track": "tourism"}
    assert (await cases_api.client.post("/v1/cases", json=unknown, headers=officer(tokens))).status_code == 422


async def test_the_secret_is_stored_only_as_an_argon2_hash(cases_api: Harness, tokens: Tokens) -> None:
    created = await open_case(cases_api, tokens)
    secret = created["secret"].replace("-", "")
    async with database(cases_api) as session:
        case = (await session.execute(select(Case).where(Case.id == created["id"]))).scalar_one()
        dump = " ".join(str(v) for v in (await session.execute(text("SELECT * FROM cases"))).one())
    assert case.secret_hash is not None
    assert case.secret_hash.startswith("$argon2id$")
    assert secret not in dump
    assert created["secret"] not in dump


async def test_the_road_to_citizenship_is_walked_one_allowed_step_at_a_time(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens, citizenship_path=True)
    assert case["citizenship_path"] is True
    road = (*ROAD_TO_GRANT, "residence_permit", "permanent_residence", "citizenship_applied", "naturalised")
    last = await move(cases_api, tokens, case["id"], *road)
    assert last.status_code == 200, last.text
    assert last.json()["state"] == "naturalised"
    assert last.json()["allowed_transitions"] == []


async def test_a_case_without_a_citizenship_path_cannot_be_naturalised_and_is_told_why(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    assert case["citizenship_path"] is False
    settled = await move(cases_api, tokens, case["id"], *ROAD_TO_GRANT, "residence_permit", "permanent_residence")
    assert settled.json()["allowed_transitions"] == ["withdrawn"]
    assert "citizenship" not in settled.json()["next_step"]
    refused = await move(cases_api, tokens, case["id"], "citizenship_applied")
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "no citizenship path" in refused.json()["detail"]
    assert refused.json()["allowed"] == ["withdrawn"]
    read = await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))
    assert read.json()["state"] == "permanent_residence"


async def test_an_illegal_move_answers_409_with_the_allowed_moves_and_changes_nothing(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    refused = await move(cases_api, tokens, case["id"], "granted")
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["allowed"] == ["lodged", "withdrawn"]
    read = await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))
    assert read.json()["state"] == "registered"
    history = await cases_api.client.get(f"/v1/cases/{case['id']}/history", headers=officer(tokens))
    assert [e["kind"] for e in history.json()["items"]] == ["opened"]


async def test_random_move_sequences_are_judged_exactly_as_the_life_cycle_says(
    cases_api: Harness, tokens: Tokens
) -> None:
    rng = random.Random(20261126)
    states = [
        "lodged", "interview_scheduled", "interviewed", "granted", "refused", "appeal_lodged", "appeal_granted",
        "appeal_refused", "residence_permit", "permanent_residence", "citizenship_applied", "naturalised",
        "withdrawn", "registered",
    ]  # fmt: skip
    from services.asylum.cases.states import CaseState

    for _ in range(4):
        case = await open_case(cases_api, tokens)
        state = "registered"
        for _ in range(12):
            requested = rng.choice(states)
            answer = await move(cases_api, tokens, case["id"], requested)
            legal = is_legal(CaseState(state), CaseState(requested))
            assert answer.status_code == (200 if legal else 409), (state, requested, answer.text)
            if legal:
                state = requested
        read = await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))
        assert read.json()["state"] == state


async def test_history_records_who_when_and_why_oldest_first(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "lodged", "interview_scheduled")
    history = await cases_api.client.get(f"/v1/cases/{case['id']}/history?limit=2", headers=officer(tokens))
    page = history.json()
    assert [(e["from_state"], e["to_state"]) for e in page["items"]] == [(None, "registered"), ("registered", "lodged")]
    assert page["items"][1]["reason"] == "step to lodged"
    assert page["items"][1]["actor_subject"] == "officer@DE"
    assert page["next_cursor"]
    rest = await cases_api.client.get(
        f"/v1/cases/{case['id']}/history?after={page['next_cursor']}", headers=officer(tokens)
    )
    assert [e["to_state"] for e in rest.json()["items"]] == ["interview_scheduled"]


async def test_opening_and_every_status_change_go_out_through_the_outbox_without_personal_data(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], *ROAD_TO_GRANT)
    async with database(cases_api) as session:
        rows = (await session.execute(select(tables.outbox_events).order_by(tables.outbox_events.c.id))).all()
    assert [r.type for r in rows] == [CASE_OPENED] + [CASE_STATUS_CHANGED] * 4
    granted = rows[-1].payload["data"]
    assert (granted["from_state"], granted["to_state"]) == ("interviewed", "granted")
    assert granted["case_id"] == case["id"]
    assert all(r.partner_id == "DE" for r in rows)
    assert not any(case["secret"] in str(r.payload) or case["reference"] in str(r.payload) for r in rows)


async def test_a_refused_move_announces_nothing(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "naturalised")
    async with database(cases_api) as session:
        types = (await session.execute(select(tables.outbox_events.c.type))).scalars().all()
    assert types == [CASE_OPENED]


async def test_one_applicant_has_one_case_per_partner(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    again = await cases_api.client.post(
        "/v1/cases", json={"applicant_id": case["applicant_id"]}, headers=officer(tokens)
    )
    assert again.status_code == 409


async def test_cases_list_by_state_for_the_calling_partner_only(cases_api: Harness, tokens: Tokens) -> None:
    mine = [await open_case(cases_api, tokens) for _ in range(3)]
    await open_case(cases_api, tokens, org="PL")
    await move(cases_api, tokens, mine[0]["id"], "lodged")
    listed = await cases_api.client.get("/v1/cases", headers=officer(tokens))
    assert {c["id"] for c in listed.json()["items"]} == {c["id"] for c in mine}
    lodged = await cases_api.client.get("/v1/cases?state=lodged", headers=officer(tokens))
    assert [c["id"] for c in lodged.json()["items"]] == [mine[0]["id"]]


async def test_changing_a_case_needs_the_write_scope(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    answer = await cases_api.client.post(
        f"/v1/cases/{case['id']}/transitions",
        json={"to_state": "lodged", "reason": "x"},
        headers=officer(tokens, "DE", "cases:read"),
    )
    assert answer.status_code == 403


async def test_every_change_is_audited(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "lodged")
    async with database(cases_api) as session:
        actions = (
            (
                await session.execute(
                    select(tables.audit_log.c.action).where(tables.audit_log.c.resource_id == case["id"])
                )
            )
            .scalars()
            .all()
        )
    assert actions == ["case.opened", "case.transitioned"]


@pytest.mark.postgres_only
async def test_concurrent_moves_of_one_case_let_exactly_one_through(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    answers = await asyncio.gather(*(move(cases_api, tokens, case["id"], "lodged") for _ in range(8)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 7
    history = await cases_api.client.get(f"/v1/cases/{case['id']}/history", headers=officer(tokens))
    assert [e["to_state"] for e in history.json()["items"]] == ["registered", "lodged"]


@pytest.mark.postgres_only
async def test_concurrent_openings_for_one_applicant_make_one_case(cases_api: Harness, tokens: Tokens) -> None:
    body = {"applicant_id": await approve(cases_api)}
    answers = await asyncio.gather(
        *(cases_api.client.post("/v1/cases", json=body, headers=officer(tokens)) for _ in range(6))
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5


async def test_cases_can_be_found_by_applicant_without_paging_through_every_case(
    cases_api: Harness, tokens: Tokens
) -> None:
    wanted = str(uuid.uuid4())
    await open_case(cases_api, tokens)
    case = await open_case(cases_api, tokens, applicant_id=wanted)
    await open_case(cases_api, tokens)
    await open_case(cases_api, tokens, org="PL", applicant_id=wanted)
    found = await cases_api.client.get("/v1/cases", params={"applicant_id": wanted}, headers=officer(tokens))
    assert found.status_code == 200, found.text
    assert [c["id"] for c in found.json()["items"]] == [case["id"]]
    none = await cases_api.client.get("/v1/cases", params={"applicant_id": "nobody"}, headers=officer(tokens))
    assert none.json() == {"items": [], "next_cursor": None}
    everyone = (await cases_api.client.get("/v1/cases", headers=officer(tokens))).json()["items"]
    assert len(everyone) == 3
    assert [c["id"] for c in everyone] == sorted(c["id"] for c in everyone)


async def test_a_partner_opens_cases_only_for_applicants_approved_under_its_own_tenancy(
    cases_api: Harness, tokens: Tokens
) -> None:
    de_applicant, unknown = await approve(cases_api, "DE"), str(uuid.uuid4())
    refusals = [
        await cases_api.client.post("/v1/cases", json={"applicant_id": applicant}, headers=officer(tokens, "FR"))
        for applicant in (de_applicant, unknown)
    ]
    # Another partner's applicant and an applicant nobody approved answer alike: nothing tells them apart.
    for refused in refusals:
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"] == "https://carrots.example/problems/applicant-not-approved"
        assert refused.json()["invalid_params"][0]["name"] == "body.applicant_id"
    assert refusals[0].json()["detail"].replace(de_applicant, "?") == refusals[1].json()["detail"].replace(unknown, "?")
    async with database(cases_api) as session:
        assert (await session.execute(select(Case))).scalars().all() == []
    opened = await cases_api.client.post("/v1/cases", json={"applicant_id": de_applicant}, headers=officer(tokens))
    assert opened.status_code == 201, opened.text


async def test_an_approval_of_another_partner_gives_no_right_to_its_applicant(
    cases_api: Harness, tokens: Tokens
) -> None:
    applicant = str(uuid.uuid4())
    fr_approval = {
        "applicant_id": applicant,
        "assessment_id": str(uuid.uuid4()),
        "partner_id": "FR",
        "tier": "specialist",
        "policy_version": "FR-2026-1",
        "approved_on": "2026-11-26",
        "entitlements": {},
    }
    assert (await send_event(cases_api, APPLICANT_APPROVED, fr_approval)).status_code == 204
    refused = await cases_api.client.post("/v1/cases", json={"applicant_id": applicant}, headers=officer(tokens))
    assert refused.status_code == 422
    allowed = await cases_api.client.post("/v1/cases", json={"applicant_id": applicant}, headers=officer(tokens, "FR"))
    assert allowed.status_code == 201, allowed.text
