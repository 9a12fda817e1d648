"""Ledger rules: balanced transfers, chained immutable entries, balances, contributions, checkpoints.

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

from services.payments.domain.currencies import exponent_of
from services.payments.domain.errors import InvalidBic, InvalidIban, UnknownCurrency
from services.payments.domain.iban import normalize_bic, normalize_iban
from services.payments.domain.tamper.chain import compute_record_hash
from services.payments.domain.tamper.checkpoints import sign_checkpoint
from services.payments.errors import (
    AccountKindRefused,
    AccountNotFound,
    BalanceLimitExceeded,
    InsufficientFunds,
    InvalidAmount,
    InvalidBankDetails,
    TransferNotFound,
    TransferUnbalanced,
)
from services.payments.ledger import repository
from services.payments.ledger.chain import CheckpointSigner, entry_body
from services.payments.models import Account, Checkpoint, Contribution, Entry, Transfer, tables
from shared.auth import CallerKind, Principal
from shared.changes import record_change
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.money import MAX_BALANCE_MINOR
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.payments import (
    AccountCreate,
    AccountKind,
    AccountRead,
    CheckpointRead,
    ContributionCreate,
    ContributionRead,
    EntryRead,
    TransferRead,
)

# The service name in the type of the events announcing changes: `payments.<resource>.<action>`.
SERVICE = "payments"
# Who signs checkpoints on the schedule and from the command line.
CHECKPOINT_SIGNER = Principal(org="payments", kind=CallerKind.service, subject="checkpoint-signer")
# Columns of free text people write (it may name someone), encrypted under the partner's key.
MEMO_FIELD = "transfers.memo"
REFERENCE_FIELD = "contributions.reference"
BANK_HOLDER_FIELD = "accounts.bank_holder"


@dataclass(frozen=True)
class Leg:
    """One side of a transfer: an account and a signed amount (debit positive)."""

    account: Account
    amount_minor: int


def account_to_read(row: Account) -> AccountRead:
    """The wire form of an account."""
    return AccountRead(
        id=row.id,
        partner_id=row.partner_id,
        currency=row.currency,
        kind=AccountKind(row.kind),
        balance_minor=row.balance_minor,
        created_at=row.created_at,
    )


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


def require_currency(currency: str) -> None:
    """Refuse codes that are not active ISO 4217 currencies."""
    try:
        exponent_of(currency)
    except UnknownCurrency as exc:
        raise InvalidAmount(f"{currency} is not an ISO 4217 currency this ledger knows.") from exc


@dataclass(frozen=True)
class SealedMemo:
    """A transfer's memo in people's own words, encrypted for the transfer it will belong to."""

    transfer_id: str
    memo_enc: str


async def seal_memo(session: AsyncSession, cipher: FieldCipher, partner_id: str, text: str) -> SealedMemo:
    """Encrypt free text (a contribution reference, a reversal reason) for a transfer about to be posted."""
    transfer_id = new_id()
    return SealedMemo(transfer_id, await cipher.encrypt(session, partner_id, text, field=MEMO_FIELD, row=transfer_id))


async def create_account(
    session: AsyncSession, cipher: FieldCipher, publisher: EventPublisher, actor: Principal, data: AccountCreate
) -> AccountRead:
    """Open an account for the actor's partner; funding accounts may carry the bank account behind them."""
    require_currency(data.currency)
    if data.kind is not AccountKind.funding and (data.bank_iban or data.bank_holder):
        raise AccountKindRefused("Only funding accounts carry bank details.")
    if data.kind is not AccountKind.funding:
        account = await ensure_system_account(session, actor.org, data.kind, data.currency)
        return account_to_read(account)
    try:
        iban = normalize_iban(data.bank_iban) if data.bank_iban else None
        bic = normalize_bic(data.bank_bic) if data.bank_bic else None
    except (InvalidIban, InvalidBic) as exc:
        raise InvalidBankDetails(str(exc)) from exc
    account_id = new_id()
    holder = data.bank_holder
    row = Account(
        id=account_id,
        partner_id=actor.org,
        currency=data.currency,
        kind=data.kind.value,
        balance_minor=0,
        bank_iban=iban,
        bank_bic=bic,
        bank_holder_enc=(
            await cipher.encrypt(session, actor.org, holder, field=BANK_HOLDER_FIELD, row=account_id)
            if holder
            else None
        ),
        created_at=datetime.now(UTC),
    )
    await repository.add(session, row)
    await record_change(session, tables, publisher, actor, SERVICE, "account", row.id, "created", partner_id=actor.org)
    return account_to_read(row)


async def ensure_system_account(session: AsyncSession, partner_id: str, kind: AccountKind, currency: str) -> Account:
    """Return the partner's single account of a non-funding kind in a currency, opening it if needed."""
    require_currency(currency)
    existing = await repository.find_system_account(session, partner_id, kind.value, currency)
    if existing is not None:
        return existing
    row = Account(
        id=new_id(),
        partner_id=partner_id,
        currency=currency,
        kind=kind.value,
        balance_minor=0,
        created_at=datetime.now(UTC),
    )
    if await repository.add_system_account(session, row):
        return row
    found = await repository.find_system_account(session, partner_id, kind.value, currency)
    assert found is not None
    return found


async def get_account(session: AsyncSession, account_id: str) -> Account:
    """One account of the session's partner, or AccountNotFound."""
    row = await repository.get_account(session, account_id)
    if row is None:
        raise AccountNotFound(f"No account {account_id} exists for your organisation.")
    return row


async def read_account(session: AsyncSession, account_id: str) -> AccountRead:
    """One account of the session's partner."""
    return account_to_read(await get_account(session, account_id))


async def list_accounts(session: AsyncSession, page: PageParams) -> Page[AccountRead]:
    """One page of the session's partner's accounts."""
    items, cursor = split_page(await repository.list_accounts(session, page), page, lambda r: r.id)
    return Page[AccountRead](items=[account_to_read(r) for r in items], next_cursor=cursor)


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
        tables,
        publisher,
        actor,
        SERVICE,
        "transfer",
        transfer.id,
        "reversed",
        partner_id=transfer.partner_id,
        detail={"reversal_id": reversal.id},
    )
    return reversal


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
    await record_change(
        session, tables, publisher, actor, SERVICE, "contribution", row.id, "recorded", partner_id=actor.org
    )
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
        tables,
        publisher,
        actor,
        SERVICE,
        "checkpoint",
        str(row.id),
        "signed",
        partner_id=partner_id,
        detail={"seq": seq, "key_id": signer.key_id},
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
