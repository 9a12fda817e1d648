"""Erasure rules: a typed confirmation, two distinct operators, then the partner's keys are destroyed.

Flushes, never commits. Requests are programme-wide records (no tenant): their announcements reach no
partner's webhooks, and the audit entries name the partner in their detail. The vault's KEK is destroyed
last, just before the request's transaction commits: if the commit then fails the partner is erased all the
same (the point of no return is the vault), the request stays pending, and approving it again completes the
record.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.erasure import repository
from services.eligibility.erasure.errors import (
    ErasureAlreadyRequested,
    ErasureConfirmationMismatch,
    ErasureNotPending,
    ErasureRequestNotFound,
    ErasureSelfApproval,
    PartnerAlreadyErased,
)
from services.eligibility.models import ErasureRequest
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.keys import KeyVault
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.erasure import ErasureApproval, ErasureRequestCreate, ErasureRequestRead, ErasureStatus


def to_read(row: ErasureRequest) -> ErasureRequestRead:
    """The wire form of an erasure request."""
    return ErasureRequestRead(
        id=row.id,
        partner_id=row.partner_id,
        status=ErasureStatus(row.status),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        kek_destroyed=row.kek_destroyed,
        data_keys_destroyed=row.data_keys_destroyed,
    )


def check_confirmation(partner_id: str, confirmation: str) -> None:
    """The partner code must be typed again exactly: no trimming, no case folding."""
    if confirmation != partner_id:
        raise ErasureConfirmationMismatch(
            f"To confirm, type the code of the partner being erased ({partner_id}) again, exactly; "
            "erasure destroys every piece of its personal data in every service and cannot be undone."
        )


async def request_erasure(
    session: AsyncSession, vault: KeyVault, publisher: EventPublisher, actor: Principal, data: ErasureRequestCreate
) -> ErasureRequestRead:
    """Record an operator's request to erase a partner; nothing is destroyed until a second operator approves."""
    check_confirmation(data.partner_id, data.confirmation)
    if await vault.erased(data.partner_id):
        raise PartnerAlreadyErased(f"Partner {data.partner_id} was erased before; its keys no longer exist.")
    row = ErasureRequest(
        id=new_id(),
        partner_id=data.partner_id,
        status=ErasureStatus.pending_approval.value,
        requested_by=actor.subject,
        requested_at=datetime.now(UTC),
        kek_destroyed=False,
        data_keys_destroyed=0,
    )
    if not await repository.add(session, row):
        pending = await repository.find_pending(session, data.partner_id)
        raise ErasureAlreadyRequested(
            f"Erasure request {pending.id if pending else ''} for partner {data.partner_id} already waits for a "
            "second operator; approve that one."
        )
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "erasure_request",
            row.id,
            "requested",
            partner_id=None,
            detail={"erased_partner": row.partner_id, "requested_by": actor.subject},
        ),
    )
    return to_read(row)


async def approve_erasure(
    session: AsyncSession,
    vault: KeyVault,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    request_id: str,
    data: ErasureApproval,
) -> ErasureRequestRead:
    """A second operator approves: the partner's data keys here are marked destroyed, then its KEK in the vault.

    Every other service then fails to unwrap the partner's data keys (within a minute, their cache's
    lifetime) and reads its personal data as erased, as does any database backup restored later.
    """
    row = await get_request(session, request_id, for_update=True)
    if row.status != ErasureStatus.pending_approval.value:
        raise ErasureNotPending(f"Erasure request {request_id} is {row.status}; there is nothing to approve.")
    if actor.subject == row.requested_by:
        raise ErasureSelfApproval(
            "Two operators: the operator who asked for an erasure cannot approve it; a second operator must."
        )
    check_confirmation(row.partner_id, data.confirmation)
    row.status = ErasureStatus.completed.value
    row.approved_by = actor.subject
    row.approved_at = datetime.now(UTC)
    row.data_keys_destroyed = await cipher.destroy_partner_keys(session, row.partner_id)
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "erasure_request",
            row.id,
            "approved",
            partner_id=None,
            detail={"erased_partner": row.partner_id, "requested_by": row.requested_by, "approved_by": actor.subject},
        ),
    )
    await session.flush()
    # The point of no return, last before the commit.
    row.kek_destroyed = await vault.destroy(row.partner_id)
    await session.flush()
    return to_read(row)


async def get_request(session: AsyncSession, request_id: str, *, for_update: bool = False) -> ErasureRequest:
    """One erasure request, or ErasureRequestNotFound."""
    row = await repository.get(session, request_id, for_update=for_update)
    if row is None:
        raise ErasureRequestNotFound(f"No erasure request {request_id} exists.")
    return row


async def read_request(session: AsyncSession, request_id: str) -> ErasureRequestRead:
    """One erasure request with both operators."""
    return to_read(await get_request(session, request_id))


async def list_requests(session: AsyncSession, page: PageParams) -> Page[ErasureRequestRead]:
    """One page of erasure requests, oldest first."""
    rows, cursor = split_page(await repository.list_page(session, page), page, lambda r: r.id)
    return Page[ErasureRequestRead](items=[to_read(r) for r in rows], next_cursor=cursor)
