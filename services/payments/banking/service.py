"""Bank accounts (validated, encrypted), bank profiles, pain.001 batches of executed payouts, camt.053 imports."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.banking import repository as banking
from services.payments.banking.errors import InvalidBankFile, StatementVersionRefused
from services.payments.banking.models import BankAccount, BankBatch, BankProfile
from services.payments.domain.bankfiles.camt053 import EntryOutcome, StatementEntry, parse_camt053
from services.payments.domain.bankfiles.pain001 import BankParty, CreditTransfer, PaymentBatch, build_pain001
from services.payments.domain.errors import InvalidBankFile as DomainInvalidBankFile
from services.payments.domain.errors import InvalidBic, InvalidIban
from services.payments.domain.iban import normalize_bic, normalize_iban
from services.payments.domain.money import Money
from services.payments.errors import AccountKindRefused, BankAccountMissing, InvalidBankDetails
from services.payments.ledger import accounts
from services.payments.payouts import service as payout_service
from services.payments.payouts.execution import announce_status, undo_payout
from services.payments.payouts.models import Payout
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.schemas.payments import (
    AccountKind,
    BankAccountRead,
    BankAccountSet,
    BankFileCreate,
    BankProfileRead,
    BankProfileSet,
    CreditTransferVersion,
    PayoutStatus,
    StatementImportResult,
    StatementVersion,
)

IBAN_FIELD = "bank_accounts.iban"
HOLDER_FIELD = "bank_accounts.holder"
# What a partner that set no profile gets: the versions euro-area banks publish as current.
DEFAULT_BANK_PROFILE = BankProfileSet(
    credit_transfer_version=CreditTransferVersion.v09, statement_version=StatementVersion.v08
)


def bank_account_to_read(row: BankAccount) -> BankAccountRead:
    """What the API shows of a bank account: country and last four digits only."""
    return BankAccountRead(
        applicant_id=row.applicant_id, iban_last4=row.iban_last4, country=row.country, updated_at=row.updated_at
    )


async def set_bank_account(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    applicant_id: str,
    data: BankAccountSet,
) -> BankAccountRead:
    """Validate and store (encrypted) the account a beneficiary is paid to, replacing any earlier one."""
    try:
        iban = normalize_iban(data.iban)
        bic = normalize_bic(data.bic) if data.bic else None
    except (InvalidIban, InvalidBic) as exc:
        raise InvalidBankDetails(str(exc)) from exc
    existing = await banking.get_bank_account(session, applicant_id)
    row = existing or BankAccount(id=new_id(), partner_id=actor.org, applicant_id=applicant_id)
    iban_token = await cipher.encrypt(session, actor.org, iban, field=IBAN_FIELD, row=row.id)
    holder_token = await cipher.encrypt(session, actor.org, data.holder, field=HOLDER_FIELD, row=row.id)
    row.iban_encrypted, row.holder_encrypted, row.bic = iban_token, holder_token, bic
    row.iban_last4, row.country, row.updated_at = iban[-4:], iban[:2], datetime.now(UTC)
    if existing is None:
        session.add(row)
    await session.flush()
    await record_change(session, publisher, Change(actor, "bank_account", row.id, "set", partner_id=actor.org))
    return bank_account_to_read(row)


def _profile_to_read(row: BankProfile | None) -> BankProfileRead:
    if row is None:
        return BankProfileRead(**DEFAULT_BANK_PROFILE.model_dump(), is_default=True, updated_by=None, updated_at=None)
    return BankProfileRead(
        credit_transfer_version=CreditTransferVersion(row.credit_transfer_version),
        statement_version=StatementVersion(row.statement_version),
        is_default=False,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


async def get_bank_profile(session: AsyncSession) -> BankProfileRead:
    """The scoped partner's bank profile, or the default while it has set none."""
    return _profile_to_read(await banking.get_bank_profile(session))


async def set_bank_profile(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, data: BankProfileSet
) -> BankProfileRead:
    """Set the message versions the partner's bank takes and sends; later bank files and imports follow it."""
    now = datetime.now(UTC)
    row = await banking.lock_bank_profile(session)
    if row is None:
        row = BankProfile(
            partner_id=actor.org,
            credit_transfer_version=data.credit_transfer_version.value,
            statement_version=data.statement_version.value,
            updated_by=actor.subject,
            updated_at=now,
        )
        if not await banking.add_bank_profile(session, row):
            # Another request set the first profile a moment ago: this one replaces it.
            row = await banking.lock_bank_profile(session)
    if row is not None:
        row.credit_transfer_version = data.credit_transfer_version.value
        row.statement_version = data.statement_version.value
        row.updated_by, row.updated_at = actor.subject, now
        await session.flush()
    await record_change(
        session,
        publisher,
        Change(actor, "bank_profile", actor.org, "set", partner_id=actor.org, detail=data.model_dump(mode="json")),
    )
    return _profile_to_read(row)


async def build_bank_file(
    session: AsyncSession, cipher: FieldCipher, publisher: EventPublisher, actor: Principal, data: BankFileCreate
) -> tuple[str, bytes]:
    """Put the executed, unbatched payouts of a funding account into one pain.001 file of the bank's version."""
    funding = await accounts.get_account(session, data.funding_account_id)
    if funding.kind != AccountKind.funding.value or not funding.bank_iban or not funding.bank_holder_enc:
        raise AccountKindRefused("Bank files need a funding account with its bank IBAN and holder on file.")
    payouts = await payout_service.list_unbatched_executed(session, funding.id)
    if not payouts:
        raise InvalidBankFile("There are no executed payouts of this account waiting for a bank file.")
    transfers: list[CreditTransfer] = []
    for payout in payouts:
        account = await banking.get_bank_account(session, payout.applicant_id)
        if account is None:
            raise BankAccountMissing(f"Payout {payout.id} has no beneficiary bank account on file.")
        creditor = BankParty(
            name=await cipher.decrypt(session, actor.org, account.holder_encrypted, field=HOLDER_FIELD, row=account.id),
            iban=await cipher.decrypt(session, actor.org, account.iban_encrypted, field=IBAN_FIELD, row=account.id),
            bic=account.bic,
        )
        transfers.append(
            CreditTransfer(payout.end_to_end_id, Money(payout.amount_minor, payout.currency), creditor, None)
        )
    batch_id = new_id()
    now = datetime.now(UTC)
    batch = PaymentBatch(
        message_id=batch_id.replace("-", ""),
        created_at=now,
        execution_date=data.execution_date,
        debtor=BankParty(
            await cipher.decrypt(
                session, actor.org, funding.bank_holder_enc, field=accounts.BANK_HOLDER_FIELD, row=funding.id
            ),
            funding.bank_iban,
            funding.bank_bic,
        ),
        transfers=transfers,
    )
    profile = await get_bank_profile(session)
    try:
        # Building and validating a large file takes CPU for a noticeable time: off the event loop.
        xml = await anyio.to_thread.run_sync(build_pain001, batch, profile.credit_transfer_version)
    except DomainInvalidBankFile as exc:
        raise InvalidBankFile(str(exc)) from exc
    row = BankBatch(
        id=batch_id,
        partner_id=actor.org,
        message_id=batch.message_id,
        funding_account_id=funding.id,
        payout_count=len(transfers),
        created_at=now,
    )
    await banking.add_batch(session, row)
    await payout_service.attach_to_bank_batch(session, [p.id for p in payouts], row.id)
    # A new batch is a change, and decrypting beneficiaries' bank details a read of personal data: both
    # are covered by this one entry.
    await record_change(
        session,
        publisher,
        Change(actor, "bank_file", batch_id, "created", partner_id=actor.org, detail={"payouts": len(transfers)}),
    )
    return batch_id, xml


async def import_statement(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, xml: bytes
) -> StatementImportResult:
    """Mark payouts settled or returned from a camt.053 statement; a return reverses the ledger transfer.

    The statement must be valid against the official schema of the version the partner's bank profile names.
    An entry whose amount or currency differs from its payout changes nothing and is listed as mismatched;
    one whose payout already reached the outcome it reports, or a later one, is listed as unchanged.
    """
    try:
        statement = await anyio.to_thread.run_sync(parse_camt053, xml)
    except DomainInvalidBankFile as exc:
        raise InvalidBankFile(str(exc)) from exc
    expected = (await get_bank_profile(session)).statement_version
    if statement.version is not expected:
        raise StatementVersionRefused(
            f"This statement is {statement.version.value}, but the bank profile says the bank sends "
            f"{expected.value}. If the bank has changed versions, set statement_version with "
            "PUT /v1/bank-profile and import the statement again."
        )
    entries = statement.entries
    result = StatementImportResult(settled=[], returned=[], unknown=[], mismatched=[], unchanged=[])
    for entry in entries:
        payout = await payout_service.find_by_end_to_end_id(session, entry.end_to_end_id)
        if payout is None or payout.transfer_id is None:
            result.unknown.append(entry.end_to_end_id)
        elif entry.amount != Money(payout.amount_minor, payout.currency):
            # The bank booked another sum than we sent: someone must look before the payout is closed.
            result.mismatched.append(entry.end_to_end_id)
        elif await apply_entry(session, publisher, actor, payout, entry):
            outcome = result.settled if entry.outcome is EntryOutcome.SETTLED else result.returned
            outcome.append(entry.end_to_end_id)
        else:
            result.unchanged.append(entry.end_to_end_id)
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "bank_statement",
            new_id(),
            "imported",
            partner_id=actor.org,
            detail={
                "settled": len(result.settled),
                "returned": len(result.returned),
                "unknown": len(result.unknown),
                "mismatched": len(result.mismatched),
                "unchanged": len(result.unchanged),
            },
        ),
    )
    return result


async def apply_entry(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, payout: Payout, entry: StatementEntry
) -> bool:
    """Settle or return one payout as the entry says; False when the payout is no longer in a state to move."""
    if entry.outcome is EntryOutcome.SETTLED:
        if not await payout_service.move_status(
            session, payout.id, [PayoutStatus.executed.value], PayoutStatus.settled.value
        ):
            return False
        await session.refresh(payout)
        await announce_status(session, publisher, payout)
        return True
    reason = f"returned by the bank ({entry.return_reason or 'no reason given'})"
    return await undo_payout(session, publisher, actor, payout, PayoutStatus.returned, reason)
