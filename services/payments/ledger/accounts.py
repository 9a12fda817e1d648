"""Ledger accounts: opened per partner and currency (one per kind except funding), read with their balances."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.domain.currencies import exponent_of
from services.payments.domain.errors import InvalidBic, InvalidIban, UnknownCurrency
from services.payments.domain.iban import normalize_bic, normalize_iban
from services.payments.errors import AccountKindRefused, AccountNotFound, InvalidBankDetails
from services.payments.ledger import repository
from services.payments.ledger.errors import InvalidAmount
from services.payments.ledger.models import Account
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.payments import (
    AccountCreate,
    AccountKind,
    AccountRead,
)

# A funding account's holder may be a person, encrypted under the partner's key.
BANK_HOLDER_FIELD = "accounts.bank_holder"


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


def require_currency(currency: str) -> None:
    """Refuse codes that are not active ISO 4217 currencies."""
    try:
        exponent_of(currency)
    except UnknownCurrency as exc:
        raise InvalidAmount(f"{currency} is not an ISO 4217 currency this ledger knows.") from exc


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
    await record_change(session, publisher, Change(actor, "account", row.id, "created", partner_id=actor.org))
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
