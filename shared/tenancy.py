"""Tenant scoping that repository queries cannot forget.

Every ORM model that belongs to a partner inherits `TenantScoped`. A session must be scoped with
`scope_to_tenant` before it reads such rows; the session hook in `shared.db` then adds
`partner_id = :tenant` to every ORM SELECT, UPDATE and DELETE. A session that was never scoped
refuses those queries, so forgetting the scope fails closed.

A hot path may filter explicitly instead (`tenant_scoped`): the statement then carries the tenant and the
entities it filtered, and the hook only checks that they match the session's tenant and every tenant-scoped
entity the statement reads, which is cheaper than adding the filter as a loader option to each query.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from sqlalchemy import ColumnElement, Select, String
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


TENANT_FILTERED: Final = "tenant_filtered"
_S = TypeVar("_S", bound="Select[*tuple[Any, ...]]")


def session_tenant(session: AsyncSession) -> str | _AllTenants:
    """The tenant the session was scoped to; TenantScopeMissing when it was never scoped (fails closed)."""
    tenant: str | _AllTenants | None = session.info.get("tenant")
    if tenant is None:
        raise TenantScopeMissing(
            "query on tenant-scoped rows in a session without a tenant; call scope_to_tenant first"
        )
    return tenant


def tenant_criteria(session: AsyncSession, *entities: Any) -> list[ColumnElement[bool]]:
    """`partner_id = :tenant` for each entity (or alias) given; nothing for a session scoped to all tenants."""
    tenant = session_tenant(session)
    if isinstance(tenant, _AllTenants):
        return []
    return [entity.partner_id == tenant for entity in entities]


def tenant_scoped(session: AsyncSession, stmt: _S, *entities: type[TenantScoped]) -> _S:
    """`stmt` filtered explicitly to the session's tenant on `entities`, marked so the session hook only checks it.

    The hook still refuses the statement if it reads a tenant-scoped entity not in `entities`, or if the
    session's tenant changed since; subqueries filter themselves with `tenant_criteria`.
    """
    tenant = session_tenant(session)
    return stmt.where(*tenant_criteria(session, *entities)).execution_options(
        **{TENANT_FILTERED: (tenant, frozenset(entities))}
    )
