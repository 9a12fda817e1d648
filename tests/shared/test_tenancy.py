from __future__ import annotations

import gc

import pytest
from sqlalchemy import select

from services.eligibility.assessments.models import Assessment
from services.eligibility.models import Applicant
from shared import db
from shared.tenancy import ALL_TENANTS, TENANT_FILTERED, TenantScopeMissing, scope_to_tenant
from tests.harness import Harness, Tokens
from tests.shared.test_smoke_applicants import APPLICANT


async def test_query_without_a_declared_tenant_is_refused(eligibility: Harness) -> None:
    async with eligibility.app.state.sessionmaker() as session:
        with pytest.raises(TenantScopeMissing):
            await session.execute(select(Applicant))


async def test_scoped_session_sees_only_its_partner(eligibility: Harness, tokens: Tokens) -> None:
    for org in ("DE", "DE", "PL"):
        r = await eligibility.client.post(
            "/v1/applicants", json=APPLICANT, headers=tokens.partner(org, "applicants:write")
        )
        assert r.status_code == 201
    async with eligibility.app.state.sessionmaker() as session:
        scope_to_tenant(session, "DE")
        assert {a.partner_id for a in (await session.execute(select(Applicant))).scalars()} == {"DE"}
        assert len((await session.execute(select(Applicant))).scalars().all()) == 2
        scope_to_tenant(session, ALL_TENANTS)
        assert len((await session.execute(select(Applicant))).scalars().all()) == 3


async def test_a_statement_built_once_is_checked_at_every_execution(eligibility: Harness) -> None:
    # The hook remembers which tenant-scoped entities a statement object reads; the tenant is checked every time.
    once = select(Applicant.id)
    filtered = select(Applicant.id).where(Applicant.partner_id == "DE")
    marked = {TENANT_FILTERED: ("DE", frozenset({Applicant}))}
    async with eligibility.app.state.sessionmaker() as session:
        scope_to_tenant(session, "DE")
        await session.execute(once)
        await session.execute(filtered, execution_options=marked)
    async with eligibility.app.state.sessionmaker() as session:
        with pytest.raises(TenantScopeMissing):
            await session.execute(once)
        scope_to_tenant(session, "PL")
        with pytest.raises(TenantScopeMissing):
            await session.execute(filtered, execution_options=marked)
    async with eligibility.app.state.sessionmaker() as session:
        scope_to_tenant(session, "DE")
        with pytest.raises(TenantScopeMissing):
            # Marked as filtered on another entity only: the statement still reads applicants unchecked.
            await session.execute(filtered, execution_options={TENANT_FILTERED: ("DE", frozenset({Assessment}))})


async def test_statements_built_per_request_are_not_remembered(eligibility: Harness) -> None:
    async with eligibility.app.state.sessionmaker() as session:
        scope_to_tenant(session, "DE")
        before = len(db._ENTITIES)
        for _ in range(50):
            await session.execute(select(Applicant.id).where(Applicant.id == "x"))
        gc.collect()
        assert len(db._ENTITIES) <= before + 1
