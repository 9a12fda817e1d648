"""Assessments with their trace, approvals and appeals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.eligibility.models import Base
from shared.db import UTCDateTime
from shared.plumbing import JsonType
from shared.tenancy import TenantScoped


class Assessment(TenantScoped, Base):
    """The outcome of a policy for an applicant on a date, with its trace; the outcome never changes."""

    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id"), index=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"))
    policy_version: Mapped[int] = mapped_column(Integer)
    assessment_date: Mapped[date] = mapped_column(Date)
    tier: Mapped[str] = mapped_column(String(64))
    tier_title: Mapped[str] = mapped_column(String(300))
    eligible: Mapped[bool] = mapped_column(Boolean)
    entitlements: Mapped[dict[str, Any]] = mapped_column(JsonType)
    totals: Mapped[dict[str, int]] = mapped_column(JsonType)
    required_approvers: Mapped[int] = mapped_column(Integer)
    # The trace quotes the facts tested (age, rank or post...), so it is encrypted with the partner key.
    trace_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    assessed_by: Mapped[str] = mapped_column(String(200))
    appeal_id: Mapped[str | None] = mapped_column(String(36))
    rejected_by: Mapped[str | None] = mapped_column(String(200))
    # Free text may name people: a ciphertext under the partner's key.
    rejection_reason_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    approvals: Mapped[list[Approval]] = relationship(
        back_populates="assessment", lazy="raise", order_by="Approval.id", cascade="all, delete-orphan"
    )


class Approval(Base):
    """One approver's sign-off on an assessment; an approver signs at most once."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("assessment_id", "approver"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    approver: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    assessment: Mapped[Assessment] = relationship(back_populates="approvals", lazy="raise")


class Appeal(TenantScoped, Base):
    """An applicant's appeal against an assessment, answered by another assessor's reassessment."""

    __tablename__ = "appeals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id"), index=True)
    applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id"), index=True)
    grounds_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reassessment_id: Mapped[str | None] = mapped_column(String(36))
