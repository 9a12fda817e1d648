"""Obligation tables: what is owed to beneficiaries, the conditions heard, the approval that stands."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.payments.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped


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


class ApplicantApproval(TenantScoped, Base):
    """The approval whose obligations stand for an applicant; its row lock serialises later approvals."""

    __tablename__ = "applicant_approvals"
    __table_args__ = (UniqueConstraint("partner_id", "applicant_id", name="uq_applicant_approvals_partner_applicant"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(64))
    assessment_id: Mapped[str] = mapped_column(String(64))
    approved_on: Mapped[date] = mapped_column(Date)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
