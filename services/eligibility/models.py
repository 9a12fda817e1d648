"""Eligibility ORM models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import UTCDateTime, new_metadata
from shared.plumbing import JsonType, define_plumbing_tables
from shared.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)


class Applicant(TenantScoped, Base):
    """A person registered by a partner; personal fields are ciphertexts."""

    __tablename__ = "applicants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    names_enc: Mapped[str] = mapped_column(Text)
    birth_date_enc: Mapped[str] = mapped_column(Text)
    citizenship: Mapped[str] = mapped_column(String(2))
    rank_or_post_enc: Mapped[str | None] = mapped_column(Text)
    contacts_enc: Mapped[str | None] = mapped_column(Text)
    service_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    arrived_in_partner_territory: Mapped[bool] = mapped_column(Boolean, default=False)
    # Resigned, defected or left their post: what the awards for diplomats and senior figures ask for.
    left_post: Mapped[bool] = mapped_column(Boolean, default=False)
    main_applicant_id: Mapped[str | None] = mapped_column(ForeignKey("applicants.id"), index=True)
    duplicate_status: Mapped[str] = mapped_column(String(20), default="none")
    screening_status: Mapped[str] = mapped_column(String(20), default="unavailable")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))

    documents: Mapped[list[ApplicantDocument]] = relationship(
        back_populates="applicant", lazy="raise", cascade="all, delete-orphan"
    )


class ApplicantDocument(Base):
    """An identity document, known only by the keyed hash of its normalised number."""

    __tablename__ = "applicant_documents"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(String(50))
    issuing_country: Mapped[str] = mapped_column(String(2))
    number_hash: Mapped[str] = mapped_column(String(64), index=True)

    applicant: Mapped[Applicant] = relationship(back_populates="documents", lazy="raise")


class DuplicateConflict(Base):
    """The same document registered twice; it spans two partners, so it is not tenant-scoped."""

    __tablename__ = "duplicate_conflicts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id"), index=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    earlier_applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id"), index=True)
    earlier_partner_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    outcome: Mapped[str | None] = mapped_column(String(30))
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IntakeJob(TenantScoped, Base):
    """A bulk intake upload processed row by row."""

    __tablename__ = "intake_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    total_rows: Mapped[int] = mapped_column(Integer)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted_rows: Mapped[int] = mapped_column(Integer, default=0)
    rejected_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set with every committed chunk; without progress for a while no worker is running the job.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The upload, encrypted under the partner's key, kept only until the job completes or gives up, so
    # that another worker can resume a job whose worker stopped.
    upload_enc: Mapped[str | None] = mapped_column(Text)


class IntakeRow(Base):
    """The outcome of one row of an intake job (never the row's content)."""

    __tablename__ = "intake_rows"
    __table_args__ = (UniqueConstraint("job_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("intake_jobs.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    applicant_id: Mapped[str | None] = mapped_column(String(36))
    problems: Mapped[list[str]] = mapped_column(JsonType)


class Policy(TenantScoped, Base):
    """A version of a partner's tier policy; never changed once stored."""

    __tablename__ = "policies"
    __table_args__ = (UniqueConstraint("partner_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    document: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))


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


class ErasureRequest(Base):
    """An operator's request to erase a partner by destroying its keys; a second operator approves it.

    Not tenant-scoped: operators act on partners, and the request outlives the partner's data.
    """

    __tablename__ = "erasure_requests"
    __table_args__ = (
        # One request at a time per partner waits for its second operator.
        Index(
            "uq_erasure_requests_pending_partner",
            "partner_id",
            unique=True,
            sqlite_where=text("status = 'pending_approval'"),
            postgresql_where=text("status = 'pending_approval'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    kek_destroyed: Mapped[bool] = mapped_column(Boolean, default=False)
    data_keys_destroyed: Mapped[int] = mapped_column(Integer, default=0)
