"""Payments ORM models: the ledger, obligations, payouts and bank details."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime, new_metadata
from shared.plumbing import define_plumbing_tables
from shared.tenancy import TenantScoped

# Payout states in which an obligation counts as paid or about to be; at most one payout per
# obligation may be in one of them (a partial unique index, on SQLite and PostgreSQL alike).
ACTIVE_PAYOUT_STATES = ("pending_approval", "approved", "executed", "settled")
_ACTIVE_PAYOUT_SQL = "status IN ('pending_approval', 'approved', 'executed', 'settled')"


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)


class Account(TenantScoped, Base):
    """A ledger account of one partner in one currency; `balance_minor` is kept for speed."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("id", "partner_id", "currency", name="uq_accounts_id_partner_currency"),
        # A funding account can never be overdrawn, whatever runs at the same time.
        CheckConstraint("kind <> 'funding' OR balance_minor >= 0", name="funding_not_overdrawn"),
        Index(
            "uq_accounts_system_kind",
            "partner_id",
            "kind",
            "currency",
            unique=True,
            sqlite_where=text("kind <> 'funding'"),
            postgresql_where=text("kind <> 'funding'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(40))
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    bank_iban: Mapped[str | None] = mapped_column(String(42), nullable=True)
    bank_bic: Mapped[str | None] = mapped_column(String(11), nullable=True)
    # The holder may be a person: a ciphertext under the partner's key.
    bank_holder_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Transfer(TenantScoped, Base):
    """A set of entries that balance in every currency; never changed, only reversed."""

    __tablename__ = "transfers"
    __table_args__ = (
        # A payout is executed by exactly one transfer, enforced by the database.
        Index(
            "uq_transfers_payout_execution",
            "payout_id",
            unique=True,
            sqlite_where=text("kind = 'payout'"),
            postgresql_where=text("kind = 'payout'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    # The service's own description; what people wrote (a reference, a reason) is `memo_enc`, a ciphertext.
    memo: Mapped[str] = mapped_column(String(200))
    memo_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A transfer is reversed at most once.
    reverses_transfer_id: Mapped[str | None] = mapped_column(ForeignKey("transfers.id"), unique=True, nullable=True)
    payout_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Entry(TenantScoped, Base):
    """One leg of a transfer, chained by hash to the partner's previous entry."""

    __tablename__ = "entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "partner_id", "currency"],
            ["accounts.id", "accounts.partner_id", "accounts.currency"],
            name="fk_entries_account_partner_currency",
        ),
        UniqueConstraint("partner_id", "seq", name="uq_entries_partner_seq"),
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    transfer_id: Mapped[str] = mapped_column(ForeignKey("transfers.id"), index=True)
    transfer_kind: Mapped[str] = mapped_column(String(30))
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ChainHead(TenantScoped, Base):
    """The last link of a partner's hash chain; its row lock serialises ledger writes."""

    __tablename__ = "chain_heads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class Checkpoint(TenantScoped, Base):
    """An Ed25519 signature over a partner's chain head."""

    __tablename__ = "checkpoints"
    __table_args__ = (UniqueConstraint("partner_id", "seq", "key_id", name="uq_checkpoints_partner_seq_key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(128))


class Contribution(TenantScoped, Base):
    """Money a partner paid into a funding account."""

    __tablename__ = "contributions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    funding_account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    # The partner's reference is free text: a ciphertext under the partner's key (null only for
    # contributions stored before it was encrypted).
    reference_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    transfer_id: Mapped[str] = mapped_column(ForeignKey("transfers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Obligation(TenantScoped, Base):
    """Money owed to a beneficiary once its trigger has happened."""

    __tablename__ = "obligations"
    __table_args__ = (
        UniqueConstraint("assessment_id", "key", name="uq_obligations_assessment_key"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(64), index=True)
    assessment_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(30))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    trigger: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    release_transfer_id: Mapped[str | None] = mapped_column(ForeignKey("transfers.id"), nullable=True)
    # Why the amount differs from the approval, or which later approval superseded it.
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # What released it: `approval`, `due_date`, `event` (its condition happened) or `manual_evidence` (an officer,
    # approved by a second one, on the evidence of `manual_release_id`). Null while waiting, and for releases
    # made before the basis was recorded.
    release_basis: Mapped[str | None] = mapped_column(String(20), nullable=True)
    manual_release_id: Mapped[str | None] = mapped_column(ForeignKey("manual_releases.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TriggerOccurrence(TenantScoped, Base):
    """A release condition that happened for an applicant (arrival verified, asylum granted), heard from an event.

    Remembered so that a tranche created after the event (an approval delivered late, or a re-approval) is
    released at once. A release by hand records no occurrence: it is no proof that the condition happened.
    """

    __tablename__ = "trigger_occurrences"
    __table_args__ = (UniqueConstraint("partner_id", "applicant_id", "trigger", name="uq_trigger_occurrences"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(40))
    source_event: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ManualRelease(TenantScoped, Base):
    """An officer's request to release an applicant's tranches by hand on named evidence; a second officer approves.

    The evidence reference is free text that may name people: a ciphertext under the partner's key.
    """

    __tablename__ = "manual_releases"
    __table_args__ = (
        # One open request per applicant and trigger at a time.
        Index(
            "uq_manual_releases_pending",
            "partner_id",
            "applicant_id",
            "trigger",
            unique=True,
            sqlite_where=text("status = 'pending_approval'"),
            postgresql_where=text("status = 'pending_approval'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(64), index=True)
    trigger: Mapped[str] = mapped_column(String(40))
    evidence_kind: Mapped[str] = mapped_column(String(40))
    evidence_reference_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ApplicantApproval(TenantScoped, Base):
    """The approval whose obligations stand for an applicant; its row lock serialises later approvals."""

    __tablename__ = "applicant_approvals"
    __table_args__ = (UniqueConstraint("partner_id", "applicant_id", name="uq_applicant_approvals_partner_applicant"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(64))
    assessment_id: Mapped[str] = mapped_column(String(64))
    approved_on: Mapped[date] = mapped_column(Date)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Payout(TenantScoped, Base):
    """A payment of one obligation; at most one active payout per obligation."""

    __tablename__ = "payouts"
    __table_args__ = (
        Index(
            "uq_payouts_active_obligation",
            "obligation_id",
            unique=True,
            sqlite_where=text(_ACTIVE_PAYOUT_SQL),
            postgresql_where=text(_ACTIVE_PAYOUT_SQL),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    obligation_id: Mapped[str] = mapped_column(ForeignKey("obligations.id"), index=True)
    applicant_id: Mapped[str] = mapped_column(String(64))
    funding_account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), index=True)
    required_approvals: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    transfer_id: Mapped[str | None] = mapped_column(ForeignKey("transfers.id"), nullable=True)
    batch_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    fx_rate: Mapped[str | None] = mapped_column(String(40), nullable=True)
    fx_source: Mapped[str | None] = mapped_column(String(100), nullable=True)
    fx_observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fx_debit_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    fx_residue_minor: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PayoutApproval(TenantScoped, Base):
    """One approver's sign-off; the primary key makes each approver count once."""

    __tablename__ = "payout_approvals"

    payout_id: Mapped[str] = mapped_column(ForeignKey("payouts.id"), primary_key=True)
    approver: Mapped[str] = mapped_column(String(200), primary_key=True)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BankAccount(TenantScoped, Base):
    """A beneficiary's bank account, encrypted with the partner's key."""

    __tablename__ = "bank_accounts"
    __table_args__ = (UniqueConstraint("partner_id", "applicant_id", name="uq_bank_accounts_partner_applicant"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(64))
    iban_encrypted: Mapped[str] = mapped_column(Text)
    bic: Mapped[str | None] = mapped_column(String(11), nullable=True)
    holder_encrypted: Mapped[str] = mapped_column(Text)
    iban_last4: Mapped[str] = mapped_column(String(4))
    country: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BankBatch(TenantScoped, Base):
    """A pain.001 file generated from executed payouts."""

    __tablename__ = "bank_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    funding_account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    payout_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BankProfile(TenantScoped, Base):
    """Which ISO 20022 message versions a partner's bank takes and sends; a partner without one gets the default."""

    __tablename__ = "bank_profiles"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credit_transfer_version: Mapped[str] = mapped_column(String(20))
    statement_version: Mapped[str] = mapped_column(String(20))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
