"""Ledger tables: accounts and their balances, transfers, chained entries, chain heads, checkpoints, contributions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.payments.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped


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
