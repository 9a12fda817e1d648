"""Ledger transfers: balanced, chained immutable entries, balances moved under ordered row locks, reversals.

Every write to a partner's ledger first takes the partner's chain-head row lock, then moves balances in
account-id order: writes of one partner are serialised (the chain needs a single order) and cannot
deadlock each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.domain.tamper.chain import compute_record_hash
from services.payments.errors import AccountNotFound, TransferNotFound
from services.payments.ledger import repository
from services.payments.ledger.accounts import get_account
from services.payments.ledger.chain import entry_body
from services.payments.ledger.errors import BalanceLimitExceeded, InsufficientFunds, TransferUnbalanced
from services.payments.ledger.models import Account, Entry, Transfer
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.money import MAX_BALANCE_MINOR
from shared.outbox import EventPublisher
from shared.schemas.payments import (
    AccountKind,
    EntryRead,
    TransferRead,
)

# Free text people write into a transfer (it may name someone), encrypted under the partner's key.
MEMO_FIELD = "transfers.memo"


@dataclass(frozen=True)
class Leg:
    """One side of a transfer: an account and a signed amount (debit positive)."""

    account: Account
    amount_minor: int


def entry_to_read(row: Entry) -> EntryRead:
    """The wire form of an entry."""
    return EntryRead(
        id=row.id,
        partner_id=row.partner_id,
        transfer_id=row.transfer_id,
        transfer_kind=row.transfer_kind,
        account_id=row.account_id,
        currency=row.currency,
        amount_minor=row.amount_minor,
        seq=row.seq,
        prev_hash=row.prev_hash,
        hash=row.hash,
        created_at=row.created_at,
    )


@dataclass(frozen=True)
class SealedMemo:
    """A transfer's memo in people's own words, encrypted for the transfer it will belong to."""

    transfer_id: str
    memo_enc: str


async def seal_memo(session: AsyncSession, cipher: FieldCipher, partner_id: str, text: str) -> SealedMemo:
    """Encrypt free text (a contribution reference, a reversal reason) for a transfer about to be posted."""
    transfer_id = new_id()
    return SealedMemo(transfer_id, await cipher.encrypt(session, partner_id, text, field=MEMO_FIELD, row=transfer_id))


def check_balanced(legs: Sequence[Leg]) -> None:
    """Refuse transfers with fewer than two legs, zero legs, or legs that do not net to zero per currency."""
    if len(legs) < 2:
        raise TransferUnbalanced("A transfer needs at least two entries.")
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if leg.amount_minor == 0:
            raise TransferUnbalanced("A transfer entry cannot be zero.")
        totals[leg.account.currency] += leg.amount_minor
    unbalanced = sorted(currency for currency, total in totals.items() if total != 0)
    if unbalanced:
        raise TransferUnbalanced(f"The entries do not balance in {', '.join(unbalanced)}.")


async def post_transfer(
    session: AsyncSession,
    *,
    partner_id: str,
    kind: str,
    memo: str,
    legs: Sequence[Leg],
    created_by: str,
    reverses_transfer_id: str | None = None,
    payout_id: str | None = None,
    sealed: SealedMemo | None = None,
) -> Transfer:
    """Post a balanced transfer: chain its entries, move balances, refuse any funding overdraft.

    `memo` is the service's own description; people's words come `sealed` (encrypted for this transfer).
    """
    check_balanced(legs)
    if any(leg.account.partner_id != partner_id for leg in legs):
        raise AccountNotFound("Every account of a transfer must belong to the same partner.")
    seq, prev_hash = await repository.lock_chain_head(session, partner_id)
    deltas: dict[str, int] = defaultdict(int)
    kinds: dict[str, str] = {}
    for leg in legs:
        deltas[leg.account.id] += leg.amount_minor
        kinds[leg.account.id] = leg.account.kind
    for account_id in sorted(deltas):
        if not await repository.apply_balance_delta(session, account_id, deltas[account_id]):
            if kinds[account_id] == AccountKind.funding.value and deltas[account_id] < 0:
                raise InsufficientFunds(f"Funding account {account_id} holds too little for this transfer.")
            raise BalanceLimitExceeded(
                f"This transfer would take the balance of account {account_id} beyond the limit of "
                f"{MAX_BALANCE_MINOR} minor units."
            )
    now = datetime.now(UTC)
    transfer = Transfer(
        id=sealed.transfer_id if sealed else new_id(),
        partner_id=partner_id,
        kind=kind,
        memo=memo,
        memo_enc=sealed.memo_enc if sealed else None,
        reverses_transfer_id=reverses_transfer_id,
        payout_id=payout_id,
        created_by=created_by,
        created_at=now,
    )
    await repository.add(session, transfer)
    rows: list[dict[str, object]] = []
    for leg in legs:
        seq += 1
        entry_id = new_id()
        body = entry_body(
            entry_id=entry_id,
            partner_id=partner_id,
            transfer_id=transfer.id,
            transfer_kind=kind,
            account_id=leg.account.id,
            currency=leg.account.currency,
            amount_minor=leg.amount_minor,
            created_at=now,
        )
        entry_hash = compute_record_hash(seq, prev_hash, body)
        rows.append(
            {
                "id": entry_id,
                "partner_id": partner_id,
                "transfer_id": transfer.id,
                "transfer_kind": kind,
                "account_id": leg.account.id,
                "currency": leg.account.currency,
                "amount_minor": leg.amount_minor,
                "seq": seq,
                "prev_hash": prev_hash,
                "hash": entry_hash,
                "created_at": now,
            }
        )
        prev_hash = entry_hash
    await repository.insert_entries(session, rows)
    await repository.move_chain_head(session, partner_id, seq, prev_hash)
    # The balances were moved with SQL; reload the accounts the caller holds.
    for leg in legs:
        await session.refresh(leg.account, attribute_names=["balance_minor"])
    return transfer


async def require_transfer(session: AsyncSession, transfer_id: str | None) -> Transfer:
    """One transfer of the session's partner, or TransferNotFound."""
    transfer = await repository.get_transfer(session, transfer_id) if transfer_id else None
    if transfer is None:
        raise TransferNotFound(f"No transfer {transfer_id} exists for your organisation.")
    return transfer


async def read_transfer(session: AsyncSession, cipher: FieldCipher, transfer_id: str) -> TransferRead:
    """A transfer of the session's partner with its entries."""
    return await transfer_to_read(session, cipher, await require_transfer(session, transfer_id))


async def transfer_to_read(session: AsyncSession, cipher: FieldCipher, transfer: Transfer) -> TransferRead:
    """The wire form of a transfer and its entries, a memo in people's words decrypted."""
    entries = await repository.list_transfer_entries(session, transfer.id)
    memo = (
        transfer.memo
        if transfer.memo_enc is None
        else await cipher.decrypt(session, transfer.partner_id, transfer.memo_enc, field=MEMO_FIELD, row=transfer.id)
    )
    return TransferRead(
        id=transfer.id,
        partner_id=transfer.partner_id,
        kind=transfer.kind,
        memo=memo,
        reverses_transfer_id=transfer.reverses_transfer_id,
        created_at=transfer.created_at,
        entries=[entry_to_read(e) for e in entries],
    )


async def reverse_transfer(
    session: AsyncSession,
    publisher: EventPublisher,
    actor: Principal,
    transfer: Transfer,
    reason: str,
    *,
    sealed: SealedMemo | None = None,
) -> Transfer:
    """Post the mirror image of a transfer, pointing back to it; the database allows one reversal.

    `reason` is the service's own words; a reason a person gave comes `sealed` instead.
    """
    entries = await repository.list_transfer_entries(session, transfer.id)
    legs = [Leg(await get_account(session, e.account_id), -e.amount_minor) for e in entries]
    reversal = await post_transfer(
        session,
        partner_id=transfer.partner_id,
        kind="reversal",
        memo=reason,
        sealed=sealed,
        legs=legs,
        created_by=actor.subject,
        reverses_transfer_id=transfer.id,
        payout_id=transfer.payout_id,
    )
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "transfer",
            transfer.id,
            "reversed",
            partner_id=transfer.partner_id,
            detail={"reversal_id": reversal.id},
        ),
    )
    return reversal


async def lock_transfer(session: AsyncSession, transfer_id: str) -> Transfer | None:
    """One transfer of the session's partner, its row locked until the transaction ends (serialises reversals)."""
    return await repository.lock_transfer(session, transfer_id)


async def find_reversal(session: AsyncSession, transfer_id: str) -> Transfer | None:
    """The transfer that reverses this one, or None."""
    return await repository.find_reversal(session, transfer_id)
