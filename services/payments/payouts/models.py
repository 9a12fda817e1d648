"""Payout tables: payouts of obligations and their approvals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from services.payments.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped

# Payout states in which an obligation counts as paid or about to be; at most one payout per
# obligation may be in one of them (a partial unique index, on SQLite and PostgreSQL alike).
ACTIVE_PAYOUT_STATES = ("pending_approval", "approved", "executed", "settled")
ACTIVE_PAYOUT_SQL = "status IN ('pending_approval', 'approved', 'executed', 'settled')"


class Payout(TenantScoped, Base):
    """A payment of one obligation; at most one active payout per obligation."""

    __tablename__ = "payouts"
    __table_args__ = (
        Index(
            "uq_payouts_active_obligation",
            "obligation_id",
            unique=True,
            sqlite_where=text(ACTIVE_PAYOUT_SQL),
            postgresql_where=text(ACTIVE_PAYOUT_SQL),
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
