"""Batches of ledger transfers: many bookings in one transaction, each booked whole or not at all.

A batch takes the partner's chain-head row lock (as every ledger write does), then locks the accounts it
touches in account-id order, so batches and single transfers of one partner queue behind each other and never
deadlock. With the balances locked, each item is checked in request order against the balances the items
before it left; a refused item (unknown account, wrong kind, balance limit, overdraft) writes nothing and does
not stop the others. The accepted items are then written together: transfers, chained entries, records, audit
entries and events in one multi-row insert per table, and one balance update per account carrying the net
movement (with the same guards as a single transfer, which can no longer fail).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.domain.tamper.digest import record_digest
from services.payments.errors import AccountKindRefused, AccountNotFound
from services.payments.ledger import repository
from services.payments.ledger.accounts import ensure_system_account
from services.payments.ledger.chain import entry_body
from services.payments.ledger.contributions import REFERENCE_FIELD
from services.payments.ledger.errors import BalanceLimitExceeded, InsufficientFunds
from services.payments.ledger.models import Account
from services.payments.ledger.service import MEMO_FIELD
from shared.auth import Principal
from shared.changes import Change, record_changes
from shared.crypto import FieldCipher
from shared.errors import PROBLEM_BASE, Problem, ProblemError
from shared.ids import new_id
from shared.money import MAX_BALANCE_MINOR
from shared.outbox import EventPublisher
from shared.schemas.payment_batches import ContributionBatchCreate, ContributionBatchItem, ContributionBatchRead
from shared.schemas.payments import AccountKind, ContributionRead


def problem_of(error: ProblemError, instance: str | None) -> Problem:
    """The problem document a refused item carries: what the same request alone would have answered."""
    return Problem(
        type=PROBLEM_BASE + error.slug, title=error.title, status=error.status, detail=error.detail, instance=instance
    )


@dataclass
class Balances:
    """The locked balances of a batch's accounts, moved item by item as the items are accepted."""

    kinds: dict[str, str]
    current: dict[str, int]
    moved: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def refusal(self, legs: Sequence[tuple[str, int]]) -> ProblemError | None:
        """Why these legs cannot be posted on the current balances, or None (and then they are applied)."""
        after = dict(self.current)
        for account_id, amount in legs:
            after[account_id] += amount
        for account_id, _ in legs:
            balance = after[account_id]
            if self.kinds[account_id] == AccountKind.funding.value and balance < 0:
                return InsufficientFunds(f"Funding account {account_id} holds too little for this transfer.")
            if not -MAX_BALANCE_MINOR <= balance <= MAX_BALANCE_MINOR:
                return BalanceLimitExceeded(
                    f"This transfer would take the balance of account {account_id} beyond the limit of "
                    f"{MAX_BALANCE_MINOR} minor units."
                )
        for account_id, amount in legs:
            self.current[account_id] += amount
            self.moved[account_id] += amount
        return None


async def lock_balances(session: AsyncSession, accounts: Sequence[Account]) -> Balances:
    """Lock the accounts in id order (after the chain head) and read their balances as they are now."""
    balances = await repository.lock_balances(session, sorted({a.id for a in accounts}))
    return Balances(kinds={a.id: a.kind for a in accounts}, current=balances)


@dataclass
class Chain:
    """The partner's chain head while a batch appends to it."""

    seq: int
    head: str
    entries: list[dict[str, object]] = field(default_factory=list)

    def append(
        self, partner_id: str, transfer_id: str, kind: str, legs: Sequence[tuple[Account, int]], now: datetime
    ) -> None:
        """Chain one transfer's entries after the current head."""
        for account, amount in legs:
            self.seq += 1
            entry_id = new_id()
            body = entry_body(
                entry_id=entry_id,
                partner_id=partner_id,
                transfer_id=transfer_id,
                transfer_kind=kind,
                account_id=account.id,
                currency=account.currency,
                amount_minor=amount,
                created_at=now,
            )
            entry_hash = record_digest(self.seq, self.head, body)
            self.entries.append(
                {
                    "id": entry_id,
                    "partner_id": partner_id,
                    "transfer_id": transfer_id,
                    "transfer_kind": kind,
                    "account_id": account.id,
                    "currency": account.currency,
                    "amount_minor": amount,
                    "seq": self.seq,
                    "prev_hash": self.head,
                    "hash": entry_hash,
                    "created_at": now,
                }
            )
            self.head = entry_hash


async def record_contributions(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    data: ContributionBatchCreate,
    *,
    instance: str | None = None,
) -> ContributionBatchRead:
    """Book many contributions of the actor's partner in one transaction, each whole or not at all."""
    partner_id = actor.org
    results: list[ContributionBatchItem | None] = [None] * len(data.items)
    found = await repository.get_accounts(session, sorted({item.funding_account_id for item in data.items}))
    funding: dict[int, Account] = {}
    for index, item in enumerate(data.items):
        account = found.get(item.funding_account_id)
        refusal: ProblemError | None = None
        if account is None:
            refusal = AccountNotFound(f"No account {item.funding_account_id} exists for your organisation.")
        elif account.kind != AccountKind.funding.value:
            refusal = AccountKindRefused("Contributions go into a funding account.")
        if refusal is not None:
            results[index] = ContributionBatchItem(
                index=index, status=refusal.status, problem=problem_of(refusal, instance)
            )
        elif account is not None:
            funding[index] = account
    liability = {
        currency: await ensure_system_account(session, partner_id, AccountKind.programme_liability, currency)
        for currency in sorted({a.currency for a in funding.values()})
    }
    seq, head = await repository.lock_chain_head(session, partner_id)
    balances = await lock_balances(session, [*funding.values(), *liability.values()])
    chain = Chain(seq, head)
    now = datetime.now(UTC)
    transfers: list[dict[str, object]] = []
    contributions: list[dict[str, object]] = []
    changes: list[Change] = []
    for index, account in funding.items():
        item = data.items[index]
        owed = liability[account.currency]
        refusal = balances.refusal([(account.id, item.amount_minor), (owed.id, -item.amount_minor)])
        if refusal is not None:
            results[index] = ContributionBatchItem(
                index=index, status=refusal.status, problem=problem_of(refusal, instance)
            )
            continue
        transfer_id, contribution_id = new_id(), new_id()
        transfers.append(
            {
                "id": transfer_id,
                "partner_id": partner_id,
                "kind": "contribution",
                "memo": "contribution",
                "memo_enc": await cipher.encrypt(
                    session, partner_id, item.reference, field=MEMO_FIELD, row=transfer_id
                ),
                "reverses_transfer_id": None,
                "payout_id": None,
                "created_by": actor.subject,
                "created_at": now,
            }
        )
        chain.append(
            partner_id, transfer_id, "contribution", [(account, item.amount_minor), (owed, -item.amount_minor)], now
        )
        contributions.append(
            {
                "id": contribution_id,
                "partner_id": partner_id,
                "funding_account_id": account.id,
                "currency": account.currency,
                "amount_minor": item.amount_minor,
                "reference_enc": await cipher.encrypt(
                    session, partner_id, item.reference, field=REFERENCE_FIELD, row=contribution_id
                ),
                "transfer_id": transfer_id,
                "created_at": now,
            }
        )
        changes.append(Change(actor, "contribution", contribution_id, "recorded", partner_id=partner_id))
        contribution = ContributionRead(
            id=contribution_id,
            partner_id=partner_id,
            funding_account_id=account.id,
            currency=account.currency,
            amount_minor=item.amount_minor,
            reference=item.reference,
            transfer_id=transfer_id,
            created_at=now,
        )
        results[index] = ContributionBatchItem(index=index, status=201, contribution=contribution)
    if transfers:
        await repository.write_batch(
            session, partner_id, balances.moved, transfers, chain.entries, chain.seq, chain.head
        )
        await repository.insert_contributions(session, contributions)
        await record_changes(session, publisher, changes)
    items = [r for r in results if r is not None]
    return ContributionBatchRead(booked=len(transfers), refused=len(items) - len(transfers), items=items)
