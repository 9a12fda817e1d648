"""Batches of ledger transfers: many bookings in one transaction, each booked whole or not at all.

A batch takes the partner's chain-head row lock (as every ledger write does), then locks the accounts it
touches in account-id order, so batches and single transfers of one partner queue behind each other and never
deadlock. With the balances locked, each item is checked in request order against the balances the items
before it left; a refused item (unknown account, wrong kind, balance limit, overdraft) writes nothing and does
not stop the others. The accepted items are then written together: transfers, chained entries, records, audit
entries and events in one multi-row insert per table, and one balance update per account carrying the net
movement (with the same guards as a single transfer, which can no longer fail).

The batch path is built for volume (1,000 items a request): rows are plain tuples streamed with one `COPY` per
table on PostgreSQL, ids come from one random draw, and the answer is a plain JSON document (the bytes the
response schema renders, tested) rather than a thousand models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.domain.tamper.digest import record_digest
from services.payments.errors import AccountKindRefused, AccountNotFound
from services.payments.ledger import repository
from services.payments.ledger.accounts import ensure_system_account
from services.payments.ledger.chain import iso_utc, rendered_entry_body
from services.payments.ledger.contributions import REFERENCE_FIELD
from services.payments.ledger.errors import BalanceLimitExceeded, InsufficientFunds
from services.payments.ledger.models import Account
from services.payments.ledger.repository import CONTRIBUTION_COLUMNS
from services.payments.ledger.service import MEMO_FIELD
from shared.auth import Principal
from shared.changes import Change, record_changes
from shared.crypto import FieldCipher
from shared.errors import PROBLEM_BASE, Problem, ProblemError
from shared.ids import new_ids
from shared.money import MAX_BALANCE_MINOR
from shared.outbox import EventPublisher
from shared.schemas.payment_batches import ContributionBatchCreate
from shared.schemas.payments import AccountKind


def problem_of(error: ProblemError, instance: str | None) -> Problem:
    """The problem document a refused item carries: what the same request alone would have answered."""
    return Problem(
        type=PROBLEM_BASE + error.slug, title=error.title, status=error.status, detail=error.detail, instance=instance
    )


# The JSON form pydantic gives a timestamp in an answer (a UTC one ends in "Z"): rendered once per batch.
_MOMENT = TypeAdapter(datetime)


@dataclass
class Balances:
    """The locked balances of a batch's accounts, moved item by item as the items are accepted."""

    kinds: dict[str, str]
    current: dict[str, int]
    moved: dict[str, int] = field(default_factory=dict)

    def refusal(self, legs: Sequence[tuple[str, int]]) -> ProblemError | None:
        """Why these legs cannot be posted on the current balances, or None (and then they are applied)."""
        after: dict[str, int] = {}
        for account_id, amount in legs:
            after[account_id] = after.get(account_id, self.current[account_id]) + amount
        for account_id, balance in after.items():
            if balance < 0 and self.kinds[account_id] == AccountKind.funding.value:
                return InsufficientFunds(f"Funding account {account_id} holds too little for this transfer.")
            if not -MAX_BALANCE_MINOR <= balance <= MAX_BALANCE_MINOR:
                return BalanceLimitExceeded(
                    f"This transfer would take the balance of account {account_id} beyond the limit of "
                    f"{MAX_BALANCE_MINOR} minor units."
                )
        moved = self.moved
        for account_id, balance in after.items():
            moved[account_id] = moved.get(account_id, 0) + balance - self.current[account_id]
            self.current[account_id] = balance
        return None


async def lock_balances(session: AsyncSession, accounts: Sequence[Account]) -> Balances:
    """Lock the accounts in id order (after the chain head) and read their balances as they are now."""
    balances = await repository.lock_balances(session, sorted({a.id for a in accounts}))
    return Balances(kinds={a.id: a.kind for a in accounts}, current=balances)


@dataclass
class Chain:
    """The partner's chain head while a batch appends to it; entries as rows in `repository.ENTRY_COLUMNS` order."""

    seq: int
    head: str
    entries: list[tuple[object, ...]] = field(default_factory=list)
    # The batch's moment and its rendering in the chain's text form, rendered once.
    _moment: tuple[datetime, str] | None = None

    def append(
        self,
        partner_id: str,
        transfer_id: str,
        kind: str,
        legs: Sequence[tuple[Account, int, str]],
        now: datetime,
    ) -> None:
        """Chain one transfer's entries (account, amount, entry id each) after the current head."""
        if self._moment is None or self._moment[0] != now:
            self._moment = (now, iso_utc(now))
        created_at = self._moment[1]
        for account, amount, entry_id in legs:
            self.seq += 1
            body = rendered_entry_body(
                entry_id=entry_id,
                partner_id=partner_id,
                transfer_id=transfer_id,
                transfer_kind=kind,
                account_id=account.id,
                currency=account.currency,
                amount_minor=amount,
                created_at=created_at,
            )
            entry_hash = record_digest(self.seq, self.head, body)
            self.entries.append(
                (
                    entry_id,
                    partner_id,
                    transfer_id,
                    kind,
                    account.id,
                    account.currency,
                    amount,
                    self.seq,
                    self.head,
                    entry_hash,
                    now,
                )
            )
            self.head = entry_hash


def refused_item(index: int, error: ProblemError, instance: str | None) -> dict[str, Any]:
    """A refused item of the answer, as `ContributionBatchItem` renders it."""
    return {
        "index": index,
        "status": error.status,
        "contribution": None,
        "problem": problem_of(error, instance).model_dump(mode="json"),
    }


async def record_contributions(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    data: ContributionBatchCreate,
    *,
    instance: str | None = None,
) -> dict[str, Any]:
    """Book many contributions of the actor's partner in one transaction, each whole or not at all.

    Returns the answer as the JSON document `ContributionBatchRead` renders (the same keys, order and values).
    """
    partner_id = actor.org
    results: list[dict[str, Any] | None] = [None] * len(data.items)
    found = await repository.get_accounts(session, sorted({item.funding_account_id for item in data.items}))
    funding: dict[int, Account] = {}
    for index, item in enumerate(data.items):
        account = found.get(item.funding_account_id)
        if account is None:
            missing = AccountNotFound(f"No account {item.funding_account_id} exists for your organisation.")
            results[index] = refused_item(index, missing, instance)
        elif account.kind != AccountKind.funding.value:
            results[index] = refused_item(
                index, AccountKindRefused("Contributions go into a funding account."), instance
            )
        else:
            funding[index] = account
    liability = {
        currency: await ensure_system_account(session, partner_id, AccountKind.programme_liability, currency)
        for currency in sorted({a.currency for a in funding.values()})
    }
    seq, head = await repository.lock_chain_head(session, partner_id)
    balances = await lock_balances(session, [*funding.values(), *liability.values()])
    chain = Chain(seq, head)
    now = datetime.now(UTC)
    created_at = _MOMENT.dump_python(now, mode="json")
    ids = iter(new_ids(4 * len(funding)))
    subject = actor.subject
    transfers: list[tuple[object, ...]] = []
    contributions: list[tuple[object, ...]] = []
    changes: list[Change] = []
    accepted: list[tuple[int, Account, str, str]] = []  # index, account, transfer id, contribution id
    for index, account in funding.items():
        amount = data.items[index].amount_minor
        refusal = balances.refusal([(account.id, amount), (liability[account.currency].id, -amount)])
        if refusal is not None:
            results[index] = refused_item(index, refusal, instance)
        else:
            accepted.append((index, account, next(ids), next(ids)))
    # The reference is sealed twice, as a single contribution seals it: each ciphertext is bound to its own
    # column and row (the transfer's memo, the contribution's reference), so one cannot stand in for the other.
    sealed = iter(
        await cipher.encrypt_many(
            session,
            partner_id,
            [
                (data.items[index].reference, field_name, row)
                for index, _, transfer_id, contribution_id in accepted
                for field_name, row in ((MEMO_FIELD, transfer_id), (REFERENCE_FIELD, contribution_id))
            ],
        )
    )
    for index, account, transfer_id, contribution_id in accepted:
        item = data.items[index]
        amount, reference, owed = item.amount_minor, item.reference, liability[account.currency]
        transfers.append((transfer_id, partner_id, "contribution", "contribution", next(sealed), subject, now))
        chain.append(
            partner_id,
            transfer_id,
            "contribution",
            [(account, amount, next(ids)), (owed, -amount, next(ids))],
            now,
        )
        contributions.append(
            (contribution_id, partner_id, account.id, account.currency, amount, next(sealed), transfer_id, now)
        )
        changes.append(Change(actor, "contribution", contribution_id, "recorded", partner_id=partner_id))
        results[index] = {
            "index": index,
            "status": 201,
            "contribution": {
                "id": contribution_id,
                "partner_id": partner_id,
                "funding_account_id": account.id,
                "currency": account.currency,
                "amount_minor": amount,
                "reference": reference,
                "transfer_id": transfer_id,
                "created_at": created_at,
            },
            "problem": None,
        }
    if transfers:
        await repository.write_batch(
            session, partner_id, balances.moved, transfers, chain.entries, chain.seq, chain.head
        )
        await repository.copy_rows(session, "contributions", CONTRIBUTION_COLUMNS, contributions)
        await record_changes(session, publisher, changes)
    items = [r for r in results if r is not None]
    return {"booked": len(transfers), "refused": len(items) - len(transfers), "items": items}


async def get_accounts(session: AsyncSession, account_ids: Sequence[str]) -> dict[str, Account]:
    """The scoped partner's accounts among these ids, by id (for other domains' batches)."""
    return await repository.get_accounts(session, account_ids)


async def lock_chain(session: AsyncSession, partner_id: str) -> Chain:
    """Lock the partner's chain head (before any account, as every ledger write does) to append a batch."""
    seq, head = await repository.lock_chain_head(session, partner_id)
    return Chain(seq, head)


async def write_payout_transfers(
    session: AsyncSession, partner_id: str, balances: Balances, transfers: Sequence[tuple[object, ...]], chain: Chain
) -> None:
    """Write payout transfers (rows in `PAYOUT_TRANSFER_COLUMNS` order) with the chain's entries and balances."""
    await repository.write_batch(
        session,
        partner_id,
        balances.moved,
        transfers,
        chain.entries,
        chain.seq,
        chain.head,
        transfer_columns=repository.PAYOUT_TRANSFER_COLUMNS,
    )
