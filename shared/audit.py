"""Append-only audit log: who did what to which record, and who read personal data."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.bulk_insert import insert_rows
from shared.observability import current_request_id
from shared.plumbing import PlumbingTables


async def record_audit(
    session: AsyncSession,
    tables: PlumbingTables,
    actor: Principal,
    action: str,
    resource_type: str,
    resource_id: str,
    *,
    partner_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry in the caller's transaction (never personal data in `detail`)."""
    await record_audit_row(
        session, tables, audit_row(actor, action, resource_type, resource_id, partner_id=partner_id, detail=detail)
    )


async def record_audit_row(session: AsyncSession, tables: PlumbingTables, row: dict[str, Any]) -> None:
    """Append one audit entry made by `audit_row`, with the insert built once per table."""
    await session.execute(_insert_one(tables.audit_log), row)


@functools.cache
def _insert_one(table: Table) -> Insert:
    """The audit insert, built once per table: each entry passes only its values, never a new statement."""
    return insert(table)


def audit_row(
    actor: Principal,
    action: str,
    resource_type: str,
    resource_id: str,
    *,
    partner_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit entry as a row, for `record_audits`."""
    return {
        "at": datetime.now(UTC),
        "actor_org": actor.org,
        "actor_kind": actor.kind.value,
        "actor_subject": actor.subject,
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "partner_id": partner_id,
        "request_id": current_request_id(),
        "detail": detail,
    }


async def record_audits(session: AsyncSession, tables: PlumbingTables, rows: Sequence[dict[str, Any]]) -> None:
    """Append many audit entries (made by `audit_row`) in one statement of the caller's transaction (COPY on PG)."""
    await insert_rows(session, tables.audit_log, rows)
