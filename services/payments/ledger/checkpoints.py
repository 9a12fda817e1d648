"""Checkpoints: a partner's chain head signed with the service's Ed25519 key, for auditors to verify offline."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.config import SERVICE
from services.payments.domain.tamper.checkpoints import sign_checkpoint
from services.payments.ledger import repository
from services.payments.ledger.chain import CheckpointSigner
from services.payments.ledger.models import Checkpoint
from services.payments.models import tables
from shared.auth import CallerKind, Principal
from shared.changes import Change, record_change
from shared.outbox import EventPublisher
from shared.schemas.payments import (
    CheckpointRead,
)

# Who signs checkpoints on the schedule and from the command line.
CHECKPOINT_SIGNER = Principal(org="payments", kind=CallerKind.service, subject="checkpoint-signer")


def checkpoint_to_read(row: Checkpoint) -> CheckpointRead:
    """The wire form of a checkpoint."""
    return CheckpointRead(
        partner_id=row.partner_id,
        seq=row.seq,
        head_hash=row.head_hash,
        signed_at=row.signed_at,
        key_id=row.key_id,
        signature=row.signature,
    )


async def sign_chain_head(
    session: AsyncSession, signer: CheckpointSigner, publisher: EventPublisher, actor: Principal, partner_id: str
) -> CheckpointRead | None:
    """Sign the partner's current chain head unless it is empty or already signed; a new checkpoint is announced."""
    seq, head_hash = await repository.read_chain_head(session, partner_id)
    if seq == 0 or seq <= await repository.latest_checkpoint_seq(session, partner_id):
        return None
    signed_at = datetime.now(UTC).isoformat(timespec="seconds")
    checkpoint = sign_checkpoint(signer.private_key, partner_id, seq, head_hash, signed_at, signer.key_id)
    row = Checkpoint(
        partner_id=partner_id,
        seq=seq,
        head_hash=head_hash,
        signed_at=signed_at,
        key_id=signer.key_id,
        signature=checkpoint.signature,
    )
    if not await repository.add_checkpoint(session, row):
        return None
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "checkpoint",
            str(row.id),
            "signed",
            partner_id=partner_id,
            detail={"seq": seq, "key_id": signer.key_id},
        ),
    )
    return checkpoint_to_read(row)


async def sign_all_chain_heads(
    session: AsyncSession, signer: CheckpointSigner, publisher: EventPublisher | None = None
) -> list[CheckpointRead]:
    """Sign the head of every partner's chain that moved since its last checkpoint.

    Without a publisher (the command line has no subscribers) the announcements are still written to the outbox.
    """
    if publisher is None:
        publisher = EventPublisher(tables, [], SERVICE)
    signed: list[CheckpointRead] = []
    for partner_id, _, _ in await repository.list_chain_heads(session):
        checkpoint = await sign_chain_head(session, signer, publisher, CHECKPOINT_SIGNER, partner_id)
        if checkpoint is not None:
            signed.append(checkpoint)
    return signed


async def list_checkpoints(session: AsyncSession, partner_id: str) -> list[CheckpointRead]:
    """Every checkpoint of a partner's chain, oldest first."""
    return [checkpoint_to_read(r) for r in await repository.list_checkpoints(session, partner_id)]
