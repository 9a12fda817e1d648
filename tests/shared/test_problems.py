from __future__ import annotations

from sqlalchemy import func, select

from services.eligibility.models import tables as eligibility_tables
from tests.harness import Harness, Tokens
from tests.shared.probe import tables


async def test_validation_error_names_each_bad_field(probe: Harness) -> None:
    r = await probe.client.post("/probe/items", json={"n": -1})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"].endswith("/validation")
    assert body["invalid_params"][0]["name"] == "body.n"
    assert "greater than or equal to 0" in body["detail"]
    assert body["request_id"] == r.headers["x-request-id"]


async def test_malformed_json_is_a_problem(probe: Harness) -> None:
    r = await probe.client.post("/probe/items", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"


async def test_unknown_route_is_a_problem_pointing_at_the_docs(probe: Harness) -> None:
    r = await probe.client.get("/v1/nothing-here")
    assert r.status_code == 404
    assert "/docs" in r.json()["detail"]


async def test_bad_registration_leaves_nothing_written(eligibility: Harness, tokens: Tokens) -> None:
    bad = {"category": "general", "names": [], "birth_date": "not a date", "citizenship": "RUS"}
    r = await eligibility.client.post("/v1/applicants", json=bad, headers=tokens.partner("DE", "applicants:write"))
    assert r.status_code == 422
    names = {p["name"] for p in r.json()["invalid_params"]}
    assert {"body.category", "body.names", "body.birth_date", "body.citizenship"} <= names
    async with eligibility.app.state.sessionmaker() as session:
        written = (await session.execute(select(func.count()).select_from(eligibility_tables.audit_log))).scalar_one()
    assert written == 0


async def test_failed_request_rolls_back_its_writes(probe: Harness) -> None:
    import pytest

    with pytest.raises(RuntimeError):
        await probe.client.get("/probe/boom")
    async with probe.app.state.sessionmaker() as session:
        written = (await session.execute(select(func.count()).select_from(tables.processed_events))).scalar_one()
    assert written == 0


async def test_a_405_names_every_method_of_the_path_in_its_allow_header(payments: Harness) -> None:
    # GET and POST /v1/payouts are two routes; the answer must name both, not only the first that matched.
    r = await payments.client.delete("/v1/payouts")
    assert r.status_code == 405
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["allow"] == "GET, POST"
    assert r.json()["allowed"] == ["GET", "POST"]
    single = await payments.client.post("/v1/payouts/some-id")
    assert (single.status_code, single.headers["allow"]) == (405, "GET")
