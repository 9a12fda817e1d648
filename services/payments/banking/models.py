"""Banking tables: beneficiaries' bank accounts, bank files sent, banks' message versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.payments.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped


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
