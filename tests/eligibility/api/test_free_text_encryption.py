"""Rejection reasons and waiver legal bases may name people: stored only as ciphertexts, read in clear."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.eligibility.api.helpers import as_officer, assess, install_default_policy, load_list, register
from tests.harness import Harness, Tokens

REASON = "Zeuge Pjotr Iwanow widerspricht den Dienstakten"
LEGAL_BASIS = "Lizenz 8, ausgestellt für Iwan Petrow persönlich"


async def dump_tables(h: Harness, *names: str) -> str:
    engine = create_async_engine(h.database_url)
    try:
        async with engine.connect() as conn:
            rows = [row for name in names for row in await conn.execute(text(f"SELECT * FROM {name}"))]  # noqa: S608
    finally:
        await engine.dispose()
    return " ".join(str(value) for row in rows for value in row)


async def test_rejection_reasons_and_waiver_legal_bases_are_stored_encrypted(
    eligibility: Harness, tokens: Tokens
) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, ("Ivan Sergeyevich", "PETROV", "1 Apr 1999"))
    applicant = await register(eligibility, tokens)
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    rejected = await eligibility.client.post(
        f"/v1/assessments/{assessment['id']}/rejection",
        json={"reason": REASON},
        headers=as_officer(tokens, "DE", "checker"),
    )
    assert rejected.json()["rejection_reason"] == REASON
    (hit,) = (
        await eligibility.client.get(f"/v1/applicants/{applicant['id']}/screening-hits", headers=as_officer(tokens))
    ).json()
    waiver = await eligibility.client.post(
        f"/v1/screening-hits/{hit['id']}/waivers",
        json={"legal_basis": LEGAL_BASIS, "cap_minor": 1, "currency": "USD", "valid_until": "2099-12-31"},
        headers=as_officer(tokens, "DE", "requester"),
    )
    assert waiver.json()["legal_basis"] == LEGAL_BASIS
    approved = await eligibility.client.post(
        f"/v1/waivers/{waiver.json()['id']}/approval", headers=as_officer(tokens, "DE", "legal")
    )
    assert approved.json()["legal_basis"] == LEGAL_BASIS

    stored = await dump_tables(eligibility, "assessments", "waivers", "audit_log", "outbox_events")
    assert "Iwanow" not in stored
    assert "Petrow" not in stored
    read = await eligibility.client.get(f"/v1/assessments/{assessment['id']}", headers=as_officer(tokens))
    assert read.json()["rejection_reason"] == REASON


async def test_a_name_copied_into_another_applicants_row_is_refused(eligibility: Harness, tokens: Tokens) -> None:
    first = await register(eligibility, tokens, names=[{"script": "latin", "given": "Pjotr", "family": "Iwanow"}])
    second = await register(eligibility, tokens)
    engine = create_async_engine(eligibility.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE applicants SET names_enc = (SELECT names_enc FROM applicants WHERE id = :a) WHERE id = :b"
                ),
                {"a": first["id"], "b": second["id"]},
            )
    finally:
        await engine.dispose()
    read = await eligibility.client.get(f"/v1/applicants/{second['id']}", headers=as_officer(tokens))
    assert read.status_code == 500
    assert "Iwanow" not in read.text
    assert (
        await eligibility.client.get(f"/v1/applicants/{first['id']}", headers=as_officer(tokens))
    ).status_code == 200
