from __future__ import annotations

import pytest
from sqlalchemy import select

from services.eligibility.models import Applicant
from shared.tenancy import ALL_TENANTS, TenantScopeMissing, scope_to_tenant
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
