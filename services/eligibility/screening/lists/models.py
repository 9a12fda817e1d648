"""Loaded sanctions lists, re-screening jobs, screening hits and waivers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.eligibility.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped


class SanctionsListRecord(Base):
    """A loaded sanctions list (shared by every partner), kept so the index can be rebuilt."""

    __tablename__ = "sanctions_lists"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[str] = mapped_column(String(200))
    entry_count: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    loaded_by: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RescreeningJob(Base):
    """Screening every partner's applicants again after a list load; shared by all partners, so not tenant-scoped."""

    __tablename__ = "rescreening_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    list_id: Mapped[str] = mapped_column(String(36))
    list_source: Mapped[str] = mapped_column(String(20))
    list_version: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Without progress for a while the process working on the job is gone; it then reads as interrupted.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ScreeningHitRecord(TenantScoped, Base):
    """A list entry that may designate an applicant, until cleared or waived."""

    __tablename__ = "screening_hits"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id"), index=True)
    list_source: Mapped[str] = mapped_column(String(20))
    list_version: Mapped[str] = mapped_column(String(200))
    entry_id: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    confident: Mapped[bool] = mapped_column(Boolean)
    # The explanation quotes the applicant's name, so it is encrypted like the name.
    explanation_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Waiver(TenantScoped, Base):
    """Permission to approve despite a screening hit: legal basis, cap, validity, a second person's approval."""

    __tablename__ = "waivers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hit_id: Mapped[str] = mapped_column(ForeignKey("screening_hits.id"), index=True)
    # Free text may quote the person or the case: a ciphertext under the partner's key (null only for
    # waivers stored before it was encrypted).
    legal_basis_enc: Mapped[str | None] = mapped_column(Text)
    cap_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
