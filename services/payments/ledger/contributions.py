"""Contributions: money a partner paid into a funding account, booked against the programme liability."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.errors import AccountKindRefused
from services.payments.ledger import repository
from services.payments.ledger.accounts import ensure_system_account, get_account
from services.payments.ledger.models import Contribution
from services.payments.ledger.service import Leg, post_transfer, seal_memo
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.schemas.payments import (
    AccountKind,
    ContributionCreate,
    ContributionRead,
)

# A contribution's reference is free text (it may name someone), encrypted under the partner's key.
REFERENCE_FIELD = "contributions.reference"


async def record_contribution(
    session: AsyncSession, cipher: FieldCipher, publisher: EventPublisher, actor: Principal, data: ContributionCreate
) -> ContributionRead:
    """Book a partner's payment into a funding account against the programme liability."""
    funding = await get_account(session, data.funding_account_id)
    if funding.kind != AccountKind.funding.value:
        raise AccountKindRefused("Contributions go into a funding account.")
    liability = await ensure_system_account(session, actor.org, AccountKind.programme_liability, funding.currency)
    transfer = await post_transfer(
        session,
        partner_id=actor.org,
        kind="contribution",
        memo="contribution",
        legs=[Leg(funding, data.amount_minor), Leg(liability, -data.amount_minor)],
        created_by=actor.subject,
        sealed=await seal_memo(session, cipher, actor.org, data.reference),
    )
    contribution_id = new_id()
    row = Contribution(
        id=contribution_id,
        partner_id=actor.org,
        funding_account_id=funding.id,
        currency=funding.currency,
        amount_minor=data.amount_minor,
        reference_enc=await cipher.encrypt(
            session, actor.org, data.reference, field=REFERENCE_FIELD, row=contribution_id
        ),
        transfer_id=transfer.id,
        created_at=transfer.created_at,
    )
    await repository.add(session, row)
    await record_change(session, publisher, Change(actor, "contribution", row.id, "recorded", partner_id=actor.org))
    return ContributionRead(
        id=row.id,
        partner_id=row.partner_id,
        funding_account_id=row.funding_account_id,
        currency=row.currency,
        amount_minor=row.amount_minor,
        reference=data.reference,
        transfer_id=row.transfer_id,
        created_at=row.created_at,
    )
