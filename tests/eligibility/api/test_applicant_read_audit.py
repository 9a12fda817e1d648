"""The partner's read of one applicant: its audit entry, written with the read, only for a read that found one.

On PostgreSQL the entry is inserted by the read's own statement (a data-modifying CTE that selects from the
applicant's row), on SQLite by a second statement; both paths run here, whichever database the suite is on.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants import repository
from services.eligibility.models import tables
from shared.audit import audit_row, record_audit
from shared.auth import CallerKind, Principal
from shared.tenancy import ALL_TENANTS, TenantScopeMissing, scope_to_tenant
from tests.eligibility.api.helpers import as_officer, register
from tests.harness import Harness, Tokens

AUDIT = tables.audit_log


async def _reads(h: Harness) -> list[dict[str, Any]]:
    async with h.app.state.sessionmaker() as session:
        rows = await session.execute(
            select(AUDIT, AUDIT.c.detail.is_(None).label("detail_is_sql_null"))
            .where(AUDIT.c.action == "applicant.read")
            .order_by(AUDIT.c.id)
        )
        return [dict(row) for row in rows.mappings()]


async def test_a_read_writes_one_audit_entry_naming_reader_record_and_request(
    eligibility: Harness, tokens: Tokens
) -> None:
    applicant = await register(eligibility, tokens)
    response = await eligibility.client.get(
        f"/v1/applicants/{applicant['id']}", headers=as_officer(tokens, subject="reader")
    )
    assert response.status_code == 200
    [entry] = await _reads(eligibility)
    assert {k: v for k, v in entry.items() if k not in {"id", "at", "detail_is_sql_null"}} == {
        "actor_org": "DE",
        "actor_kind": "partner",
        "actor_subject": "DE:reader",
        "action": "applicant.read",
        "resource_type": "applicant",
        "resource_id": applicant["id"],
        "partner_id": "DE",
        "request_id": response.headers["x-request-id"],
        "detail": None,
    }
    assert entry["at"] >= (await _registered_at(eligibility, applicant["id"]))


async def test_the_entry_is_stored_as_the_shared_audit_writer_stores_it(eligibility: Harness, tokens: Tokens) -> None:
    """Same row contents as `record_audit` writes, down to how an empty detail is stored."""
    applicant = await register(eligibility, tokens)
    await eligibility.client.get(f"/v1/applicants/{applicant['id']}", headers=as_officer(tokens))
    reader = Principal(subject="DE:assessor", org="DE", kind=CallerKind.partner, scopes=frozenset())
    async with eligibility.app.state.sessionmaker() as session, session.begin():
        await record_audit(session, tables, reader, "applicant.read", "applicant", applicant["id"], partner_id="DE")
    by_route, by_writer = await _reads(eligibility)
    ignored = {"id", "at", "request_id"}
    assert {k: v for k, v in by_route.items() if k not in ignored} == {
        k: v for k, v in by_writer.items() if k not in ignored
    }


async def test_a_read_that_finds_nothing_is_not_audited(eligibility: Harness, tokens: Tokens) -> None:
    theirs = await register(eligibility, tokens, org="PL")
    for applicant_id in (theirs["id"], "no-such-applicant"):
        response = await eligibility.client.get(f"/v1/applicants/{applicant_id}", headers=as_officer(tokens))
        assert response.status_code == 404
    assert await _reads(eligibility) == []
    # The owner's read of the same applicant is audited once, under the owner.
    await eligibility.client.get(f"/v1/applicants/{theirs['id']}", headers=as_officer(tokens, "PL"))
    assert [(e["actor_org"], e["resource_id"]) for e in await _reads(eligibility)] == [("PL", theirs["id"])]


async def test_documents_and_family_come_with_the_read(eligibility: Harness, tokens: Tokens) -> None:
    documents = [
        {"type": "passport", "issuing_country": "RU", "number": "75 7000001"},
        {"type": "military_id", "issuing_country": "ru", "number": "AB 123456"},
    ]
    main = await register(eligibility, tokens, documents=documents)
    members = [
        await register(eligibility, tokens, category="family_member", main_applicant_id=main["id"], documents=[])
        for _ in range(2)
    ]
    await register(eligibility, tokens, org="PL", documents=[])  # another partner's applicant, not family
    read = (await eligibility.client.get(f"/v1/applicants/{main['id']}", headers=as_officer(tokens))).json()
    assert read["documents"] == [
        {"type": "passport", "issuing_country": "RU"},
        {"type": "military_id", "issuing_country": "RU"},
    ]
    assert read["family_member_ids"] == sorted(m["id"] for m in members)
    assert read == {**main, "family_member_ids": read["family_member_ids"]}
    assert len(await _reads(eligibility)) == 1  # one entry, however many document rows the read returned


@pytest.mark.parametrize("audited", [False, True])
async def test_the_tenant_hook_checks_the_prebuilt_read(eligibility: Harness, tokens: Tokens, audited: bool) -> None:
    applicant = await register(eligibility, tokens)
    dialect = eligibility.app.state.engine.dialect.name
    if audited and dialect != "postgresql":
        pytest.skip("the read writes its audit entry in the same statement on PostgreSQL only")
    reader = Principal(subject="DE:assessor", org="DE", kind=CallerKind.partner, scopes=frozenset())
    audit = audit_row(reader, "applicant.read", "applicant", applicant["id"], partner_id="DE") if audited else None

    async def read(session: AsyncSession, tenant: str) -> int:
        return len(await repository.read_one(session, tenant, applicant["id"], audit))

    async with eligibility.app.state.sessionmaker() as session:
        with pytest.raises(TenantScopeMissing):  # never scoped: fails closed
            await read(session, "DE")
        scope_to_tenant(session, "PL")
        with pytest.raises(TenantScopeMissing):  # filtered for a tenant that is not the session's
            await read(session, "DE")
        scope_to_tenant(session, ALL_TENANTS)
        with pytest.raises(TenantScopeMissing):
            await read(session, "DE")
        scope_to_tenant(session, "DE")
        assert await read(session, "DE") == 1
        await session.rollback()


async def _registered_at(h: Harness, applicant_id: str) -> Any:
    async with h.app.state.sessionmaker() as session:
        return (
            await session.execute(
                select(func.min(AUDIT.c.at)).where(
                    AUDIT.c.action == "applicant.registered", AUDIT.c.resource_id == applicant_id
                )
            )
        ).scalar_one()
