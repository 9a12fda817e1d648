"""Waivers of screening hits under control (a legal basis, a cap, a validity, a second person's approval), and what
screening still blocks when an assessment is approved.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import Applicant, Waiver
from services.eligibility.policies.engine.money import UnknownCurrency, validate_currency
from services.eligibility.screening.lists import repository
from services.eligibility.screening.lists.errors import (
    ScreeningHitNotOpen,
    WaiverNotFound,
    WaiverNotPending,
    WaiverSelfApproval,
)
from services.eligibility.screening.lists.hits import applicant_of_hit, get_hit_or_404
from services.eligibility.screening.lists.service import update_screening_status
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.errors import Unprocessable
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.schemas.eligibility import ScreeningStatus, WaiverCreate, WaiverRead

_LEGAL_BASIS_FIELD = "waivers.legal_basis"


async def waiver_read(session: AsyncSession, cipher: FieldCipher, waiver: Waiver) -> WaiverRead:
    """The wire form of a waiver, its legal basis decrypted."""
    legal_basis = (
        None
        if waiver.legal_basis_enc is None
        else await cipher.decrypt(
            session, waiver.partner_id, waiver.legal_basis_enc, field=_LEGAL_BASIS_FIELD, row=waiver.id
        )
    )
    return WaiverRead(
        id=waiver.id,
        hit_id=waiver.hit_id,
        legal_basis=legal_basis,
        cap_minor=waiver.cap_minor,
        currency=waiver.currency,
        valid_until=waiver.valid_until,
        status="approved" if waiver.status == "approved" else "pending",
        requested_by=waiver.requested_by,
        approved_by=waiver.approved_by,
    )


async def request_waiver(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    hit_id: str,
    data: WaiverCreate,
) -> WaiverRead:
    """Ask for a waiver of a hit (again, to raise a cap or extend validity); it counts once someone else approves."""
    hit = await get_hit_or_404(session, hit_id)
    if hit.status not in {"open", "waived"}:
        raise ScreeningHitNotOpen(f"Screening hit {hit_id} is {hit.status}; only open or waived hits take waivers.")
    try:
        currency = validate_currency(data.currency)
    except UnknownCurrency as error:
        raise Unprocessable(str(error)) from error
    waiver_id = new_id()
    waiver = Waiver(
        id=waiver_id,
        partner_id=actor.org,
        hit_id=hit.id,
        legal_basis_enc=await cipher.encrypt(
            session, actor.org, data.legal_basis, field=_LEGAL_BASIS_FIELD, row=waiver_id
        ),
        cap_minor=data.cap_minor,
        currency=currency,
        valid_until=data.valid_until,
        status="pending",
        requested_by=actor.subject,
        created_at=datetime.now(UTC),
    )
    await repository.add_waiver(session, waiver)
    await record_change(session, publisher, Change(actor, "waiver", waiver.id, "requested", partner_id=actor.org))
    return await waiver_read(session, cipher, waiver)


async def approve_waiver(
    session: AsyncSession, cipher: FieldCipher, publisher: EventPublisher, actor: Principal, waiver_id: str
) -> WaiverRead:
    """A second person approves a waiver; the hit then counts as waived within its cap and validity."""
    waiver = await repository.get_waiver(session, waiver_id)
    if waiver is None:
        raise WaiverNotFound(f"No waiver {waiver_id} for your organisation.")
    if waiver.status != "pending":
        raise WaiverNotPending(f"Waiver {waiver_id} is already {waiver.status}.")
    if waiver.requested_by == actor.subject:
        raise WaiverSelfApproval("A waiver must be approved by someone other than the person who requested it.")
    waiver.status, waiver.approved_by, waiver.approved_at = "approved", actor.subject, datetime.now(UTC)
    hit = await get_hit_or_404(session, waiver.hit_id)
    if hit.status == "open":
        hit.status, hit.reviewed_by, hit.reviewed_at = "waived", actor.subject, datetime.now(UTC)
    await session.flush()
    await update_screening_status(session, await applicant_of_hit(session, hit))
    await record_change(session, publisher, Change(actor, "waiver", waiver.id, "approved", partner_id=actor.org))
    return await waiver_read(session, cipher, waiver)


async def screening_blockers(
    session: AsyncSession, applicant: Applicant, totals: dict[str, int], on: date
) -> list[str]:
    """Why screening still blocks approving this applicant for these totals on this day (empty: it does not)."""
    if applicant.screening_status == ScreeningStatus.unavailable.value:
        return ["screening could not run because no sanctions list is loaded; screening fails closed"]
    if applicant.screening_status == ScreeningStatus.pending.value:
        return ["screening against the updated lists is still running; screening fails closed until it is done"]
    reasons = []
    for hit in await repository.list_hits_of_applicant(session, applicant.id):
        if hit.status == "open":
            reasons.append(f"screening hit {hit.id} awaits review")
        elif hit.status == "waived":
            waivers = await repository.approved_waivers_of_hit(session, hit.id)
            if not any(_waiver_covers(w, totals, on) for w in waivers):
                reasons.append(f"no valid waiver covers screening hit {hit.id} for this amount on {on.isoformat()}")
    return reasons


def _waiver_covers(waiver: Waiver, totals: dict[str, int], on: date) -> bool:
    if on > waiver.valid_until:
        return False
    return all(
        currency == waiver.currency and amount <= waiver.cap_minor for currency, amount in totals.items() if amount
    )
