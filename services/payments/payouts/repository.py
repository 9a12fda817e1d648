"""Every SQL statement about payouts, approvals, bank accounts and bank batches."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    Row,
    Select,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.banking.models import BankAccount
from services.payments.ledger.models import Account
from services.payments.models import tables
from services.payments.obligations.models import Obligation
from services.payments.payouts.models import ACTIVE_PAYOUT_SQL, Payout, PayoutApproval
from shared.pagination import PageParams, keyset
from shared.tenancy import TenantScopeMissing, session_tenant

_payouts = cast(Table, Payout.__table__)
_obligations = cast(Table, Obligation.__table__)
_accounts = cast(Table, Account.__table__)
_bank_accounts = cast(Table, BankAccount.__table__)

# Payout creation's two statements, built once (SQLAlchemy Core on tables, plain rows, no unit of work): the
# hot path pays neither ORM loading nor per-request statement construction. They bypass the session's tenant
# hook, so each filters by the tenant explicitly, and `_tenant_of` refuses a session scoped to no partner.
_tenant = bindparam("tenant", type_=String())
_SOURCE_OF_PAYOUT = (
    select(
        _obligations.c.id,
        _obligations.c.status,
        _obligations.c.trigger,
        _obligations.c.applicant_id,
        _obligations.c.currency,
        _obligations.c.amount_minor,
        _accounts.c.id.label("funding_id"),
        _accounts.c.kind.label("funding_kind"),
        _accounts.c.currency.label("funding_currency"),
        exists()
        .where(_bank_accounts.c.partner_id == _tenant, _bank_accounts.c.applicant_id == _obligations.c.applicant_id)
        .label("has_bank_account"),
    )
    .select_from(
        _obligations.outerjoin(
            _accounts, and_(_accounts.c.id == bindparam("funding_account_id"), _accounts.c.partner_id == _tenant)
        )
    )
    .where(_obligations.c.id == bindparam("obligation_id"), _obligations.c.partner_id == _tenant)
    .with_for_update(of=_obligations)
)
_INSERT_PAYOUT = {
    name: insert(_payouts)
    .on_conflict_do_nothing(index_elements=[_payouts.c.obligation_id], index_where=text(ACTIVE_PAYOUT_SQL))
    .returning(_payouts.c.id)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


def _tenant_of(session: AsyncSession) -> str:
    # Fails closed: a session scoped to no partner, or to all of them, never creates a payout.
    tenant = session_tenant(session)
    if not isinstance(tenant, str):
        raise TenantScopeMissing("payouts are created in a session scoped to one partner")
    return tenant


async def source_of_payout(session: AsyncSession, obligation_id: str, funding_account_id: str) -> Row[Any] | None:
    """What a new payout is made of, in one statement of the scoped partner's rows; None without the obligation.

    The obligation (row-locked until the transaction ends, so that a later approval superseding it and the payout
    cannot pass each other): `id`, `status`, `trigger`, `applicant_id`, `currency`, `amount_minor`; the funding
    account (`funding_id`, `funding_kind`, `funding_currency`, null when the partner has no such account); and
    `has_bank_account`, whether the beneficiary's bank account is on file.
    """
    params = {"tenant": _tenant_of(session), "obligation_id": obligation_id, "funding_account_id": funding_account_id}
    connection = await session.connection()
    return (await connection.execute(_SOURCE_OF_PAYOUT, params)).first()


async def insert_payout(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """Insert a payout (every column's value) in one statement; False when the obligation has an active payout.

    `ON CONFLICT DO NOTHING` on the partial unique index of active payouts replaces a savepoint around the
    insert (two round trips fewer); a concurrent insert of the same obligation waits for the other to commit.
    """
    if values["partner_id"] != _tenant_of(session):
        raise TenantScopeMissing("a payout is written only for the partner the session is scoped to")
    connection = await session.connection()
    return (await connection.execute(_INSERT_PAYOUT[connection.dialect.name], values)).first() is not None


_AUDIT_COLUMNS = tuple(c.name for c in tables.audit_log.columns if c.name != "id")
_EVENT_COLUMNS = tuple(c.name for c in tables.outbox_events.columns if c.name != "id")
_KEY_COLUMNS = tuple(c.name for c in tables.idempotency_keys.columns)


def _values_of(table: Table, prefix: str, columns: Sequence[str]) -> Select[Any]:
    return select(*(bindparam(f"{prefix}_{c}", type_=table.c[c].type) for c in columns))


@functools.cache
def _created_statement(deliveries: int, delivery_columns: tuple[str, ...]) -> Select[Any]:
    """PostgreSQL: a payout, its audit entry, its event and deliveries and the stored answer, in one statement.

    Every insert but the payout's selects from the payout's insert, so when the obligation already has an active
    payout (`ON CONFLICT DO NOTHING`) nothing at all is written. The answer's key inserts with `ON CONFLICT DO
    NOTHING` too. The statement returns how many payouts (`created`) and answers (`stored`) it wrote, 0 or 1 each.
    Built once per number of deliveries; the values are parameters (`p_`, `a_`, `e_`, `d<n>_`, `k_` + column).
    """
    payout = (
        postgresql.insert(_payouts)
        .values({c.name: bindparam(f"p_{c.name}", type_=c.type) for c in _payouts.columns})
        .on_conflict_do_nothing(index_elements=[_payouts.c.obligation_id], index_where=text(ACTIVE_PAYOUT_SQL))
        .returning(_payouts.c.id)
        .cte("payout")
    )
    audited = insert(tables.audit_log).from_select(
        _AUDIT_COLUMNS, _values_of(tables.audit_log, "a", _AUDIT_COLUMNS).select_from(payout)
    )
    announced = insert(tables.outbox_events).from_select(
        _EVENT_COLUMNS, _values_of(tables.outbox_events, "e", _EVENT_COLUMNS).select_from(payout)
    )
    writes = [audited.cte("audited"), announced.cte("announced")]
    if deliveries:
        rows = [
            _values_of(tables.outbox_deliveries, f"d{n}", delivery_columns).select_from(payout)
            for n in range(deliveries)
        ]
        delivered = insert(tables.outbox_deliveries).from_select(
            delivery_columns, rows[0] if deliveries == 1 else union_all(*rows)
        )
        writes.append(delivered.cte("delivered"))
    keys = tables.idempotency_keys
    stored = (
        postgresql.insert(keys)
        .from_select(_KEY_COLUMNS, _values_of(keys, "k", _KEY_COLUMNS).select_from(payout))
        .on_conflict_do_nothing(index_elements=[keys.c.principal_org, keys.c.key])
        .returning(keys.c.key)
        .cte("stored")
    )
    return select(
        select(func.count()).select_from(payout).scalar_subquery().label("created"),
        select(func.count()).select_from(stored).scalar_subquery().label("stored"),
    ).add_cte(*writes)


_INSERT_AUDIT = insert(tables.audit_log)
_INSERT_EVENTS = insert(tables.outbox_events)
_INSERT_DELIVERIES = insert(tables.outbox_deliveries)
_INSERT_KEY = (
    sqlite.insert(tables.idempotency_keys)
    .on_conflict_do_nothing(index_elements=[tables.idempotency_keys.c.principal_org, tables.idempotency_keys.c.key])
    .returning(tables.idempotency_keys.c.key)
)


async def write_created_payout(
    session: AsyncSession,
    payout: Mapping[str, Any],
    audit: Mapping[str, Any],
    event: Mapping[str, Any],
    deliveries: Sequence[Mapping[str, Any]],
    answer: Mapping[str, Any],
) -> tuple[bool, bool]:
    """Write a new payout (every column's value) with its audit entry, its outbox event and deliveries and the
    request's stored answer (an `idempotency_keys` row); whether the payout was written (False: the obligation
    already has an active payout) and whether the answer was (False: a twin request with the key stored first).

    One statement on PostgreSQL (a data-modifying CTE, `_created_statement`); SQLite, which has none, runs the
    inserts one after the other and stops after the payout's when it was refused. Either way the caller must
    refuse the request (rolling everything back) unless both were written.
    """
    tenant = _tenant_of(session)
    if payout["partner_id"] != tenant or audit["partner_id"] != tenant or event["partner_id"] != tenant:
        raise TenantScopeMissing("a payout is written only for the partner the session is scoped to")
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        columns = tuple(deliveries[0]) if deliveries else ()
        params = {f"p_{c}": payout[c] for c in payout}
        params.update({f"a_{c}": audit[c] for c in _AUDIT_COLUMNS})
        params.update({f"e_{c}": event[c] for c in _EVENT_COLUMNS})
        params.update({f"k_{c}": answer[c] for c in _KEY_COLUMNS})
        for n, row in enumerate(deliveries):
            params.update({f"d{n}_{c}": row[c] for c in columns})
        written = (await connection.execute(_created_statement(len(deliveries), columns), params)).one()
        return bool(written.created), bool(written.stored)
    if not await insert_payout(session, payout):
        return False, False
    await connection.execute(_INSERT_AUDIT, dict(audit))
    await connection.execute(_INSERT_EVENTS, dict(event))
    if deliveries:
        await connection.execute(_INSERT_DELIVERIES, [dict(row) for row in deliveries])
    return True, (await connection.execute(_INSERT_KEY, dict(answer))).first() is not None


async def get_payout(session: AsyncSession, payout_id: str) -> Payout | None:
    """One payout of the scoped partner, or None."""
    return (await session.execute(select(Payout).where(Payout.id == payout_id))).scalar_one_or_none()


async def lock_payout(session: AsyncSession, payout_id: str) -> Payout | None:
    """One payout of the scoped partner, its row locked until the transaction ends (serialises approvals)."""
    stmt = select(Payout).where(Payout.id == payout_id).with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_by_end_to_end_id(session: AsyncSession, end_to_end_id: str) -> Payout | None:
    """The payout a bank statement names by end-to-end id, or None."""
    stmt = select(Payout).where(Payout.end_to_end_id == end_to_end_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_payouts(session: AsyncSession, page: PageParams, status: str | None) -> Sequence[Payout]:
    """One page of payouts, optionally in one status."""
    stmt = select(Payout)
    if status is not None:
        stmt = stmt.where(Payout.status == status)
    return (await session.execute(keyset(stmt, Payout.id, page))).scalars().all()


async def move_status(session: AsyncSession, payout_id: str, from_states: Sequence[str], to_status: str) -> bool:
    """Change the status only from one of `from_states`; False when another request moved it first."""
    result = await session.execute(
        update(Payout)
        .where(Payout.id == payout_id, Payout.status.in_(list(from_states)))
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_transfer(session: AsyncSession, payout_id: str, transfer_id: str) -> None:
    """Record the transfer that executed a payout."""
    await session.execute(
        update(Payout)
        .where(Payout.id == payout_id)
        .values(transfer_id=transfer_id)
        .execution_options(synchronize_session=False)
    )


async def add_approval(session: AsyncSession, row: PayoutApproval) -> bool:
    """Record an approval; False when this approver already approved (primary key)."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


async def list_approvers(session: AsyncSession, payout_id: str) -> list[str]:
    """The subjects who approved a payout, sorted."""
    stmt = (
        select(PayoutApproval.approver).where(PayoutApproval.payout_id == payout_id).order_by(PayoutApproval.approver)
    )
    return list((await session.execute(stmt)).scalars().all())


async def list_approvers_of(session: AsyncSession, payout_ids: Sequence[str]) -> dict[str, list[str]]:
    """The sorted approvers of each of several payouts, in one query (payouts without any are absent)."""
    stmt = (
        select(PayoutApproval.payout_id, PayoutApproval.approver)
        .where(PayoutApproval.payout_id.in_(payout_ids))
        .order_by(PayoutApproval.payout_id, PayoutApproval.approver)
    )
    approvers: dict[str, list[str]] = {}
    for payout_id, approver in (await session.execute(stmt)).all():
        approvers.setdefault(payout_id, []).append(approver)
    return approvers


async def add(session: AsyncSession, row: object) -> None:
    """Add a row and flush it."""
    session.add(row)
    await session.flush()


async def list_unbatched_executed(session: AsyncSession, funding_account_id: str) -> Sequence[Payout]:
    """Executed payouts of a funding account in no bank file yet, locked for batching."""
    stmt = (
        select(Payout)
        .where(
            Payout.funding_account_id == funding_account_id,
            Payout.status == "executed",
            Payout.batch_id.is_(None),
        )
        .order_by(Payout.id)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalars().all()


async def assign_batch(session: AsyncSession, payout_ids: Sequence[str], batch_id: str) -> None:
    """Attach payouts that are in no bank file yet to a bank batch."""
    await session.execute(
        update(Payout)
        .where(Payout.id.in_(list(payout_ids)), Payout.batch_id.is_(None))
        .values(batch_id=batch_id)
        .execution_options(synchronize_session=False)
    )


async def lock_for_batch(session: AsyncSession, payout_ids: Sequence[str]) -> None:
    """Row-lock the payouts' obligations in id order, then the payouts in id order, until the transaction ends.

    A single execution locks an obligation, then its payout, then the ledger: taking every obligation and payout
    of a batch first, each kind in one order, two batches or a batch and single executions never wait in a
    cycle.
    """
    ids = sorted(set(payout_ids))
    of_payouts = select(Payout.obligation_id).where(Payout.id.in_(ids)).scalar_subquery()
    obligations = select(Obligation.id).where(Obligation.id.in_(of_payouts)).order_by(Obligation.id).with_for_update()
    await session.execute(obligations)
    await session.execute(select(Payout.id).where(Payout.id.in_(ids)).order_by(Payout.id).with_for_update())
