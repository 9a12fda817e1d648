"""Erasing a partner takes two distinct operators, each typing the partner's code; then its keys are gone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from services.eligibility.models import ErasureRequest, tables
from shared.auth import CallerKind
from tests.conftest import AppStarter
from tests.eligibility.api.helpers import as_officer, register
from tests.harness import Harness, Tokens, serve

ERASED = "https://carrots.example/problems/erased"


def operator(tokens: Tokens, subject: str) -> dict[str, str]:
    return tokens.headers("platform", CallerKind.operator, "keys:erase", subject=subject)


@pytest.fixture
async def h(starter: AppStarter, tmp_path: Path) -> AsyncIterator[Harness]:
    """Eligibility on a key vault of its own, since these tests destroy partners' keys."""
    app, settings = starter.create("eligibility", key_vault_dir=tmp_path / "vault")
    async with serve(app) as client:
        yield Harness("eligibility", app, client, settings, settings.database_url)


async def ask(h: Harness, tokens: Tokens, partner: str, confirmation: str, subject: str = "alice") -> dict[str, object]:
    response = await h.client.post(
        "/v1/erasure-requests",
        json={"partner_id": partner, "confirmation": confirmation},
        headers=operator(tokens, subject),
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def stored_requests(h: Harness) -> list[ErasureRequest]:
    async with h.app.state.sessionmaker() as session:
        return list((await session.execute(select(ErasureRequest))).scalars().all())


async def test_an_erasure_needs_the_partner_code_typed_again_exactly(h: Harness, tokens: Tokens) -> None:
    for typed in ("de", "DE ", "ＤＥ", "PL", ""):
        refused = await h.client.post(
            "/v1/erasure-requests", json={"partner_id": "DE", "confirmation": typed}, headers=operator(tokens, "alice")
        )
        assert refused.status_code == 422, typed
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert await stored_requests(h) == []


async def test_only_operators_with_the_erase_scope_may_ask(h: Harness, tokens: Tokens) -> None:
    body = {"partner_id": "DE", "confirmation": "DE"}
    partner = tokens.headers("DE", CallerKind.partner, "keys:erase", subject="officer")
    unscoped = tokens.headers("platform", CallerKind.operator, "sanctions:write", subject="alice")
    for headers in (partner, unscoped):
        assert (await h.client.post("/v1/erasure-requests", json=body, headers=headers)).status_code == 403
    assert await stored_requests(h) == []


async def test_the_operator_who_asked_cannot_approve_and_nothing_is_destroyed(h: Harness, tokens: Tokens) -> None:
    applicant = await register(h, tokens, "DE")
    request = await ask(h, tokens, "DE", "DE")
    self_approved = await h.client.post(
        f"/v1/erasure-requests/{request['id']}/approval", json={"confirmation": "DE"}, headers=operator(tokens, "alice")
    )
    assert self_approved.status_code == 403
    mistyped = await h.client.post(
        f"/v1/erasure-requests/{request['id']}/approval", json={"confirmation": "D"}, headers=operator(tokens, "bob")
    )
    assert mistyped.status_code == 422
    assert not await h.app.state.key_vault.erased("DE")
    read = await h.client.get(f"/v1/applicants/{applicant['id']}", headers=as_officer(tokens))
    assert read.status_code == 200
    assert read.json()["names"] == applicant["names"]
    pending = await h.client.get(f"/v1/erasure-requests/{request['id']}", headers=operator(tokens, "bob"))
    assert (pending.json()["status"], pending.json()["approved_by"]) == ("pending_approval", None)
    # One request waits at a time per partner.
    again = await h.client.post(
        "/v1/erasure-requests", json={"partner_id": "DE", "confirmation": "DE"}, headers=operator(tokens, "carol")
    )
    assert again.status_code == 409


async def test_a_second_operator_approves_and_the_partner_reads_as_erased_with_both_in_the_audit_trail(
    h: Harness, tokens: Tokens
) -> None:
    de = await register(h, tokens, "DE")
    pl = await register(h, tokens, "PL")
    request = await ask(h, tokens, "DE", "DE")
    approved = await h.client.post(
        f"/v1/erasure-requests/{request['id']}/approval", json={"confirmation": "DE"}, headers=operator(tokens, "bob")
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["requested_by"], body["approved_by"]) == ("completed", "alice", "bob")
    assert body["kek_destroyed"] is True
    assert body["data_keys_destroyed"] >= 1
    assert await h.app.state.key_vault.erased("DE")

    gone = await h.client.get(f"/v1/applicants/{de['id']}", headers=as_officer(tokens))
    assert (gone.status_code, gone.json()["type"]) == (410, ERASED)
    kept = await h.client.get(f"/v1/applicants/{pl['id']}", headers=as_officer(tokens, "PL"))
    assert kept.status_code == 200
    assert kept.json()["names"] == pl["names"]

    async with h.app.state.sessionmaker() as session:
        audit = (
            await session.execute(
                select(tables.audit_log.c.action, tables.audit_log.c.actor_subject, tables.audit_log.c.detail)
                .where(tables.audit_log.c.resource_id == request["id"])
                .order_by(tables.audit_log.c.id)
            )
        ).all()
        events = (
            (
                await session.execute(
                    select(tables.outbox_events.c.type).where(tables.outbox_events.c.type.like("%erasure_request%"))
                )
            )
            .scalars()
            .all()
        )
    assert [(a.action, a.actor_subject) for a in audit] == [
        ("erasure_request.requested", "alice"),
        ("erasure_request.approved", "bob"),
    ]
    assert audit[1].detail == {"erased_partner": "DE", "requested_by": "alice", "approved_by": "bob"}
    assert sorted(events) == ["eligibility.erasure_request.approved", "eligibility.erasure_request.requested"]

    # Done is done: approving again, or asking again, changes nothing.
    twice = await h.client.post(
        f"/v1/erasure-requests/{request['id']}/approval", json={"confirmation": "DE"}, headers=operator(tokens, "carol")
    )
    assert twice.status_code == 409
    anew = await h.client.post(
        "/v1/erasure-requests", json={"partner_id": "DE", "confirmation": "DE"}, headers=operator(tokens, "carol")
    )
    assert anew.status_code == 409
    listed = await h.client.get("/v1/erasure-requests", headers=operator(tokens, "carol"))
    assert [r["id"] for r in listed.json()["items"]] == [request["id"]]
