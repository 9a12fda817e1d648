"""Takedowns: a publication stops being served at once, with a signed receipt naming the consent event behind it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import (
    Toolkit,
    utc_now,
)
from services.testimony.consent import subjects
from services.testimony.consent.coverage import (
    PublicationDecision,
)
from services.testimony.consent.domain import Purpose
from services.testimony.consent.errors import ConsentChainBroken
from services.testimony.publication import repository
from services.testimony.publication.models import Publication
from services.testimony.publication.service import decide_for_derivative
from services.testimony.review.service import find_derivative
from services.testimony.signing.receipts import TakedownCause, TakedownReason, TakedownRequest, issue_takedown_receipt
from shared.auth import CallerKind, Principal
from shared.changes import Announcement, Change, record_change
from shared.schemas.events import TESTIMONY_TAKEN_DOWN, TestimonyTakenDown
from shared.schemas.testimony import (
    TakedownCauseRead,
    TakedownRead,
)
from shared.tenancy import ALL_TENANTS, scope_to_tenant

SYSTEM_SUBJECT = "system:expiry-sweep"


async def take_down(
    session: AsyncSession,
    kit: Toolkit,
    actor: Principal,
    row: Publication,
    reason: TakedownReason,
    cause: TakedownCause | None = None,
) -> TakedownRead:
    """Stop serving a publication now: erase the public copy, sign a takedown receipt, tell mirrors to purge.

    `cause` is the consent event that made the takedown necessary (none for an expiry).
    """
    now = utc_now()
    receipt = issue_takedown_receipt(
        kit.signing_key,
        TakedownRequest(
            issuer=kit.settings.issuer,
            publication_id=row.id,
            testimony_id=row.testimony_id,
            taken_down_at=now,
            reason=reason,
            consent_version=row.consent_versions[0] if row.consent_versions else None,
            consent_versions=tuple(row.consent_versions),
            cause=cause,
        ),
    )
    row.taken_down_at = now
    row.takedown_reason = reason.value
    row.takedown_receipt = receipt
    row.title = row.text = row.attribution = None
    await session.flush()
    await record_change(
        session,
        kit.publisher,
        Change(
            actor,
            "publication",
            row.id,
            "taken_down",
            partner_id=row.partner_id,
            detail={"reason": reason.value},
            announced_by=Announcement(
                TESTIMONY_TAKEN_DOWN,
                TestimonyTakenDown(publication_id=row.id, reason=reason.value, taken_down_at=now),
            ),
        ),
    )
    return TakedownRead(
        publication_id=row.id,
        taken_down_at=now,
        reason=reason.value,
        receipt=receipt,
        caused_by=None if cause is None else to_cause_read(cause),
    )


def to_cause_read(cause: TakedownCause) -> TakedownCauseRead:
    """The wire form of the consent event that caused a takedown."""
    return TakedownCauseRead(record_id=cause.record_id, event=cause.event.value, consent_version=cause.consent_version)


async def reconcile_publications(
    session: AsyncSession,
    kit: Toolkit,
    actor: Principal,
    testimony_id: str,
    reason: TakedownReason,
    cause: TakedownCause | None = None,
) -> list[TakedownRead]:
    """After a consent change, take down what is no longer covered and move the others' end to the new expiry.

    Every takedown's receipt names `cause`, the consent event that triggered this reconciliation.
    """
    takedowns: list[TakedownRead] = []
    now = utc_now()
    for row in await repository.list_live_for_testimony(session, testimony_id):
        derivative = await find_derivative(session, testimony_id, row.derivative_id)
        try:
            consents = await subjects.load_subject_consents(session, testimony_id)
            decision: PublicationDecision | None = await decide_for_derivative(
                session, derivative, consents, Purpose(row.purpose), now
            )
        except ConsentChainBroken:
            # A history that no longer verifies covers nothing.
            decision = None
        if decision is None or not decision.allowed:
            takedowns.append(await take_down(session, kit, actor, row, reason, cause))
        elif row.covered_until != decision.covered_until:
            row.covered_until = decision.covered_until
            await record_change(
                session,
                kit.publisher,
                Change(actor, "publication", row.id, "coverage_changed", partner_id=row.partner_id),
            )
    await session.flush()
    return takedowns


async def sweep_lapsed(session: AsyncSession, kit: Toolkit, now: datetime | None = None) -> list[TakedownRead]:
    """Record takedowns for publications whose consent expired (reads already refuse them)."""
    scope_to_tenant(session, ALL_TENANTS)
    takedowns: list[TakedownRead] = []
    for row in await repository.list_lapsed(session, now or utc_now()):
        sweeper = Principal(org=row.partner_id, kind=CallerKind.service, subject=SYSTEM_SUBJECT)
        takedowns.append(await take_down(session, kit, sweeper, row, TakedownReason.EXPIRED))
    return takedowns
