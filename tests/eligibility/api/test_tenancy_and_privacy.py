"""Every route is scoped to the caller's partner; personal data stays encrypted; nothing concerns testimony."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import services.eligibility
from services.eligibility.models import Base
from shared.schemas import eligibility as eligibility_schemas
from tests.eligibility.api.helpers import (
    applicant_body,
    as_officer,
    assess,
    install_default_policy,
    load_list,
    register,
)
from tests.harness import Harness, Tokens


async def test_another_partner_gets_404_on_every_record_route(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens, "DE")
    await install_default_policy(eligibility, tokens, "PL")
    await load_list(eligibility, tokens, ("Ivan Sergeyevich", "PETROV", "1 Apr 1999"))
    applicant = await register(eligibility, tokens, "DE")
    twin = await register(eligibility, tokens, "DE")
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    await eligibility.client.post(
        f"/v1/assessments/{assessment['id']}/rejection", json={"reason": "x"}, headers=as_officer(tokens, "DE", "c")
    )
    appeal = (
        await eligibility.client.post(
            f"/v1/assessments/{assessment['id']}/appeals", json={"grounds": "y"}, headers=as_officer(tokens)
        )
    ).json()
    hits = (
        await eligibility.client.get(f"/v1/applicants/{applicant['id']}/screening-hits", headers=as_officer(tokens))
    ).json()
    waiver = (
        await eligibility.client.post(
            f"/v1/screening-hits/{hits[0]['id']}/waivers",
            json={"legal_basis": "licence", "cap_minor": 1, "currency": "USD", "valid_until": "2099-01-01"},
            headers=as_officer(tokens),
        )
    ).json()
    job = (
        await eligibility.client.post(
            "/v1/intake-jobs",
            content=json.dumps(applicant_body()).encode(),
            headers={**as_officer(tokens), "Content-Type": "application/x-ndjson"},
        )
    ).json()
    conflicts = (await eligibility.client.get("/v1/duplicate-conflicts", headers=as_officer(tokens))).json()["items"]
    reference = next(c["reference"] for c in conflicts if c["applicant_id"] == twin["id"])
    a, s, p = applicant["id"], assessment["id"], appeal["id"]
    attempts = [
        ("GET", f"/v1/applicants/{a}", None),
        ("PATCH", f"/v1/applicants/{a}/evidence", {"service_verified": False}),
        ("POST", f"/v1/applicants/{a}/assessments", {}),
        ("GET", f"/v1/applicants/{a}/assessments", None),
        ("GET", f"/v1/applicants/{a}/screening-hits", None),
        ("GET", f"/v1/assessments/{s}", None),
        ("POST", f"/v1/assessments/{s}/approvals", None),
        ("POST", f"/v1/assessments/{s}/rejection", {"reason": "x"}),
        ("POST", f"/v1/assessments/{s}/appeals", {"grounds": "x"}),
        ("GET", f"/v1/appeals/{p}", None),
        ("POST", f"/v1/appeals/{p}/assessments", {}),
        ("POST", f"/v1/screening-hits/{hits[0]['id']}/clearance", None),
        (
            "POST",
            f"/v1/screening-hits/{hits[0]['id']}/waivers",
            {"legal_basis": "licence", "cap_minor": 1, "currency": "USD", "valid_until": "2099-01-01"},
        ),
        ("POST", f"/v1/waivers/{waiver['id']}/approval", None),
        ("GET", f"/v1/intake-jobs/{job['id']}", None),
        ("GET", f"/v1/duplicate-conflicts/{reference}", None),
        ("POST", f"/v1/duplicate-conflicts/{reference}/resolution", {"outcome": "distinct_persons"}),
        ("GET", "/v1/policies/2", None),
    ]
    for method, path, body in attempts:
        response = await eligibility.client.request(
            method, path, json=body, headers=as_officer(tokens, "PL", "intruder")
        )
        assert response.status_code == 404, (method, path, response.text)
    listed = await eligibility.client.get("/v1/applicants", headers=as_officer(tokens, "PL"))
    assert listed.json()["items"] == []
    assert (await eligibility.client.get("/v1/duplicate-conflicts", headers=as_officer(tokens, "PL"))).json()[
        "items"
    ] == []


async def test_names_birth_dates_contacts_and_document_numbers_are_not_stored_in_clear(
    eligibility: Harness, tokens: Tokens
) -> None:
    await load_list(eligibility, tokens, ("Ivan Sergeyevich", "PETROV", "1 Apr 1999"))
    applicant = await register(eligibility, tokens, contacts=[{"kind": "email", "value": "ivan@example.org"}])
    assert applicant["screening_status"] == "hits"
    await install_default_policy(eligibility, tokens)
    assert (await assess(eligibility, tokens, applicant["id"])).status_code == 201
    engine = create_async_engine(eligibility.database_url)
    try:
        async with engine.connect() as conn:
            rows: list[Any] = []
            for table in ("applicants", "applicant_documents", "screening_hits", "assessments", "audit_log"):
                rows += (await conn.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
            dump = " ".join(str(row) for row in rows)
    finally:
        await engine.dispose()
    for secret in ("Петров", "Petrov", "Ivan", "1999-04-01", "1234567", "ivan@example.org"):
        assert secret not in dump


async def test_a_family_member_must_name_a_main_applicant_of_the_same_partner(
    eligibility: Harness, tokens: Tokens
) -> None:
    main = await register(eligibility, tokens, "DE")
    for org, link in (("DE", None), ("PL", main["id"])):
        response = await eligibility.client.post(
            "/v1/applicants",
            json=applicant_body(category="family_member", main_applicant_id=link),
            headers=as_officer(tokens, org),
        )
        assert response.status_code == 422, response.text
    child = await register(eligibility, tokens, "DE", category="family_member", main_applicant_id=main["id"])
    read = await eligibility.client.get(f"/v1/applicants/{main['id']}", headers=as_officer(tokens))
    assert read.json()["family_member_ids"] == [child["id"]]


async def test_an_unknown_country_code_is_refused_at_intake(eligibility: Harness, tokens: Tokens) -> None:
    documents = [{"type": "passport", "issuing_country": "QQ", "number": "123456"}]
    for body in (applicant_body(citizenship="XX"), applicant_body(documents=documents)):
        response = await eligibility.client.post("/v1/applicants", json=body, headers=as_officer(tokens))
        assert response.status_code == 422
        assert "ISO 3166-1 alpha-2" in response.json()["detail"]


async def test_evidence_updates_change_the_next_assessment(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    applicant = await register(eligibility, tokens, evidence={"service_verified": False})
    assert (await assess(eligibility, tokens, applicant["id"])).json()["tier"] == "soldier_unverified"
    updated = await eligibility.client.patch(
        f"/v1/applicants/{applicant['id']}/evidence", json={"service_verified": True}, headers=as_officer(tokens)
    )
    assert updated.json()["evidence"] == {
        "service_verified": True,
        "arrived_in_partner_territory": False,
        "left_post": False,
    }
    assert (await assess(eligibility, tokens, applicant["id"])).json()["tier"] == "deserter"


async def test_a_diplomat_gets_the_award_once_the_resignation_is_recorded(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    diplomat = await register(eligibility, tokens, category="diplomat", rank_or_post="Counsellor")
    in_post = (await assess(eligibility, tokens, diplomat["id"])).json()
    assert (in_post["tier"], in_post["entitlements"]["bounty"]) == ("still_in_post", None)
    updated = await eligibility.client.patch(
        f"/v1/applicants/{diplomat['id']}/evidence", json={"left_post": True}, headers=as_officer(tokens)
    )
    assert updated.json()["evidence"]["left_post"] is True
    resigned = (await assess(eligibility, tokens, diplomat["id"])).json()
    assert (resigned["tier"], resigned["entitlements"]["bounty"]["amount"]) == ("diplomat_who_resigned", 25_000_000)
    assert resigned["entitlements"]["citizenship_path"] is True


def _mentions_testimony(value: str) -> bool:
    return "testimon" in value.lower()


async def test_eligibility_schemas_contain_nothing_about_testimony(eligibility: Harness) -> None:
    models = [
        obj
        for _, obj in inspect.getmembers(eligibility_schemas, inspect.isclass)
        if issubclass(obj, BaseModel) and obj.__module__.startswith(eligibility_schemas.__name__)
    ]
    assert models
    for model in models:
        assert not _mentions_testimony(json.dumps(model.model_json_schema())), model.__name__
    columns = [f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables for c in t.columns]
    assert not [c for c in columns if _mentions_testimony(c)]
    openapi = (await eligibility.client.get("/openapi.json")).text
    assert not _mentions_testimony(openapi)


def test_no_eligibility_module_reads_testimony() -> None:
    root = Path(services.eligibility.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "services.testimony" in path.read_text() or "schemas.testimony" in path.read_text()
    ]
    assert offenders == []
