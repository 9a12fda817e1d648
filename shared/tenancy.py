"""Tenant scoping that repository queries cannot forget.

Every ORM model that belongs to a partner inherits `TenantScoped`. A session must be scoped with
`scope_to_tenant` before it reads such rows; the session hook in `shared.db` then adds
`partner_id = :tenant` to every ORM SELECT, UPDATE and DELETE. A session that was never scoped
refuses those queries, so forgetting the scope fails closed.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column


class _AllTenants:
    def __repr__(self) -> str:
        return "ALL_TENANTS"


ALL_TENANTS: Final = _AllTenants()


class TenantScopeMissing(RuntimeError):
    """A tenant-scoped query ran in a session that declared no tenant."""


class TenantScoped:
    """Mixin for rows owned by one partner (tenant)."""

    partner_id: Mapped[str] = mapped_column(String(64), index=True)


def scope_to_tenant(session: AsyncSession, partner_id: str | _AllTenants) -> None:
    """Declare which partner's rows this session may see (`ALL_TENANTS` for cross-tenant roles)."""
    session.info["tenant"] = partner_id
    session.sync_session.info["tenant"] = partner_id
