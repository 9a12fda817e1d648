"""Testimony ORM models: sealed originals, consent histories, derivatives, reviews and publications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime, new_metadata
from shared.plumbing import JsonType, define_plumbing_tables
from shared.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)


class Testimony(TenantScoped, Base):
    """A testimony; its words and media live only in sealed originals and reviewed derivatives."""

    __tablename__ = "testimonies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(36), index=True)
    language: Mapped[str] = mapped_column(String(8))
    submitted_via: Mapped[str] = mapped_column(String(20))
    submitted_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FamilyMember(TenantScoped, Base):
    """A family member the testimony identifies, known only by a pseudonymous reference."""

    __tablename__ = "family_members"
    __table_args__ = (UniqueConstraint("testimony_id", "subject_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    testimony_id: Mapped[str] = mapped_column(ForeignKey("testimonies.id"), index=True)
    subject_ref: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Original(TenantScoped, Base):
    """A sealed original (text or media): encrypted in the blob store, hashed at intake, never served."""

    __tablename__ = "originals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    testimony_id: Mapped[str] = mapped_column(ForeignKey("testimonies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    wrapped_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubmissionToken(TenantScoped, Base):
    """A one-time token an officer hands to an applicant so they can submit a testimony themselves."""

    __tablename__ = "submission_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(36))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The testimony the token brought in (or was issued for): from then on it opens that testimony for its author.
    testimony_id: Mapped[str | None] = mapped_column(String(36), index=True)


class ConsentRecord(TenantScoped, Base):
    """One person's consent for one testimony; its changes are the rows of `consent_events`."""

    __tablename__ = "consent_records"
    __table_args__ = (UniqueConstraint("testimony_id", "subject_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    testimony_id: Mapped[str] = mapped_column(ForeignKey("testimonies.id"), index=True)
    subject_ref: Mapped[str] = mapped_column(String(64))
    withdrawal_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConsentEventRow(TenantScoped, Base):
    """A link of a consent's hash chain (append-only)."""

    __tablename__ = "consent_events"
    __table_args__ = (UniqueConstraint("record_id", "sequence"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("consent_records.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    previous_hash: Mapped[str] = mapped_column(String(64))
    event_hash: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))
    receipt: Mapped[str] = mapped_column(Text)


class Derivative(TenantScoped, Base):
    """A redacted, stripped version of a testimony, the only thing that may ever be published."""

    __tablename__ = "derivatives"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    testimony_id: Mapped[str] = mapped_column(ForeignKey("testimonies.id"), index=True)
    title_enc: Mapped[str] = mapped_column(Text)
    text_enc: Mapped[str] = mapped_column(Text)
    attribution_enc: Mapped[str | None] = mapped_column(Text)
    author_named: Mapped[bool] = mapped_column(Boolean)
    faces_obscured: Mapped[bool] = mapped_column(Boolean)
    voices_obscured: Mapped[bool] = mapped_column(Boolean)
    redaction: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    redacted_subjects: Mapped[list[str]] = mapped_column(JsonType)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    content_sha256: Mapped[str] = mapped_column(String(64))
    original_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DerivativeMedia(TenantScoped, Base):
    """A media file of a derivative, stripped of embedded metadata and stored sealed."""

    __tablename__ = "derivative_media"
    __table_args__ = (UniqueConstraint("derivative_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    derivative_id: Mapped[str] = mapped_column(ForeignKey("derivatives.id"), index=True)
    original_id: Mapped[str] = mapped_column(ForeignKey("originals.id"))
    name: Mapped[str] = mapped_column(String(100))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    wrapped_key: Mapped[str] = mapped_column(Text)
    removed: Mapped[list[str]] = mapped_column(JsonType)


class Review(TenantScoped, Base):
    """A reviewer's approval of one exact derivative content."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("derivative_id", "reviewer"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    derivative_id: Mapped[str] = mapped_column(ForeignKey("derivatives.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubjectApproval(TenantScoped, Base):
    """A consenting person's answer on one exact derivative (`approved` or `refused`), given with their token."""

    __tablename__ = "subject_approvals"
    __table_args__ = (UniqueConstraint("derivative_id", "record_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    derivative_id: Mapped[str] = mapped_column(ForeignKey("derivatives.id"), index=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("consent_records.id"))
    subject_ref: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decision: Mapped[str] = mapped_column(String(10), server_default="approved")


class Publication(TenantScoped, Base):
    """A derivative made public, with its signed manifest; the public copy is erased at takedown."""

    __tablename__ = "publications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    testimony_id: Mapped[str] = mapped_column(ForeignKey("testimonies.id"), index=True)
    derivative_id: Mapped[str] = mapped_column(ForeignKey("derivatives.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    attribution: Mapped[str | None] = mapped_column(Text)
    manifest: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    consent_versions: Mapped[list[str]] = mapped_column(JsonType)
    record_ids: Mapped[list[str]] = mapped_column(JsonType)
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    covered_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    taken_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    takedown_reason: Mapped[str | None] = mapped_column(String(20))
    takedown_receipt: Mapped[str | None] = mapped_column(Text)


class PageSession(Base):
    """A browser that opened `/my-testimony` with a token: keyed by a hash of its session id; holds the token's hash.

    Not a partner's record: it is found by the browser's cookie before anyone knows whose testimony it opens.
    """

    __tablename__ = "page_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
