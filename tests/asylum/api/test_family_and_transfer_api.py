"""Dependants follow the main case unless decided for; transfers move the whole record."""

from __future__ import annotations

from sqlalchemy import select, text

from services.asylum.models import tables
from shared.schemas.events import CASE_STATUS_CHANGED
from tests.asylum.api.factories import ROAD_TO_GRANT, database, move, ngo, officer, open_case
from tests.harness import Harness, Tokens

CHILD = {"relation": "child", "name": "Маша Петрова", "birth_date": "2019-05-02"}


async def add_child(h: Harness, tokens: Tokens, case_id: str, org: str = "DE") -> dict[str, object]:
    answer = await h.client.post(f"/v1/cases/{case_id}/dependants", json=CHILD, headers=officer(tokens, org))
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


async def test_a_dependant_follows_the_main_case_until_decided_for(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    child = await add_child(cases_api, tokens, case["id"])
    assert (child["state"], child["state_source"]) == ("registered", "main_case")
    await move(cases_api, tokens, case["id"], *ROAD_TO_GRANT)
    listed = await cases_api.client.get(f"/v1/cases/{case['id']}/dependants", headers=officer(tokens))
    assert [(d["state"], d["state_source"]) for d in listed.json()] == [("granted", "main_case")]

    decided = await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants/{child['id']}/decision",
        json={"decision": "refused", "reason": "separate assessment"},
        headers=officer(tokens),
    )
    assert (decided.json()["state"], decided.json()["state_source"]) == ("refused", "own_decision")
    await move(cases_api, tokens, case["id"], "residence_permit")
    listed = await cases_api.client.get(f"/v1/cases/{case['id']}/dependants", headers=officer(tokens))
    assert listed.json()[0]["state"] == "refused"

    cleared = await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants/{child['id']}/decision",
        json={"decision": None, "reason": "decision quashed"},
        headers=officer(tokens),
    )
    assert (cleared.json()["state"], cleared.json()["state_source"]) == ("residence_permit", "main_case")


async def test_a_dependant_cannot_be_given_a_mid_procedure_state(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    child = await add_child(cases_api, tokens, case["id"])
    answer = await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants/{child['id']}/decision",
        json={"decision": "interviewed", "reason": "x"},
        headers=officer(tokens),
    )
    assert answer.status_code == 422
    assert "granted" in answer.json()["allowed"]


async def test_dependant_names_and_birth_dates_are_encrypted_at_rest(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    child = await add_child(cases_api, tokens, case["id"])
    assert (child["name"], child["birth_date"]) == (CHILD["name"], CHILD["birth_date"])
    async with database(cases_api) as session:
        row = " ".join(str(v) for v in (await session.execute(text("SELECT * FROM dependants"))).one())
    assert "Маша" not in row
    assert "2019-05-02" not in row


async def test_a_transfer_moves_the_case_with_its_history_family_and_grants(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "lodged")
    await add_child(cases_api, tokens, case["id"])
    await cases_api.client.post(
        f"/v1/cases/{case['id']}/access-grants", json={"ngo_org": "NGO-A", "level": "full"}, headers=officer(tokens)
    )
    moved = await cases_api.client.post(
        f"/v1/cases/{case['id']}/transfer",
        json={"to_partner": "PL", "reason": "family lives there"},
        headers=officer(tokens),
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["partner_id"], moved.json()["state"]) == ("PL", "lodged")

    assert (await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))).status_code == 404
    history = await cases_api.client.get(f"/v1/cases/{case['id']}/history", headers=officer(tokens, "PL"))
    kinds = [(e["kind"], e.get("from_partner"), e.get("to_partner")) for e in history.json()["items"]]
    assert kinds == [("opened", None, None), ("transition", None, None), ("transfer", "DE", "PL")]
    family = await cases_api.client.get(f"/v1/cases/{case['id']}/dependants", headers=officer(tokens, "PL"))
    assert family.json()[0]["name"] == CHILD["name"]
    shared = await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))
    assert shared.json()["partner_id"] == "PL"
    # The new partner carries on with the case.
    assert (await move(cases_api, tokens, case["id"], "interview_scheduled", org="PL")).status_code == 200


async def test_a_closed_case_cannot_be_transferred(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "withdrawn")
    answer = await cases_api.client.post(
        f"/v1/cases/{case['id']}/transfer", json={"to_partner": "PL", "reason": "x"}, headers=officer(tokens)
    )
    assert answer.status_code == 409
    read = await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))
    assert read.json()["partner_id"] == "DE"


async def test_a_partner_that_received_a_case_may_open_one_for_its_applicant_later(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    body = {"applicant_id": case["applicant_id"]}
    assert (await cases_api.client.post("/v1/cases", json=body, headers=officer(tokens, "PL"))).status_code == 422
    there = await cases_api.client.post(
        f"/v1/cases/{case['id']}/transfer", json={"to_partner": "PL", "reason": "moved"}, headers=officer(tokens)
    )
    assert there.status_code == 200, there.text
    back = await cases_api.client.post(
        f"/v1/cases/{case['id']}/transfer", json={"to_partner": "DE", "reason": "back"}, headers=officer(tokens, "PL")
    )
    assert back.status_code == 200, back.text
    # PL received the applicant's case once, so it may open its own; FR never did and still may not.
    assert (await cases_api.client.post("/v1/cases", json=body, headers=officer(tokens, "PL"))).status_code == 201
    assert (await cases_api.client.post("/v1/cases", json=body, headers=officer(tokens, "FR"))).status_code == 422


async def test_a_status_change_names_every_partner_along_the_cases_own_history(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "lodged")
    for sender, receiver in (("DE", "PL"), ("PL", "FR")):
        moved = await cases_api.client.post(
            f"/v1/cases/{case['id']}/transfer",
            json={"to_partner": receiver, "reason": "x"},
            headers=officer(tokens, sender),
        )
        assert moved.status_code == 200, moved.text
    await move(cases_api, tokens, case["id"], "interview_scheduled", org="FR")
    async with database(cases_api) as session:
        changes = (
            (
                await session.execute(
                    select(tables.outbox_events.c.payload)
                    .where(tables.outbox_events.c.type == CASE_STATUS_CHANGED)
                    .order_by(tables.outbox_events.c.id)
                )
            )
            .scalars()
            .all()
        )
    assert [(c["data"]["partner_id"], c["data"]["holders"]) for c in changes] == [
        ("DE", ["DE"]),
        ("FR", ["DE", "PL", "FR"]),
    ]
