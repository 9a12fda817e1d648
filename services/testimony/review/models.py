"""The review domain's tables: the derivatives it makes from originals, their media, reviews and subjects' answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.testimony.models import Base
from shared.db import UTCDateTime
from shared.plumbing import JsonType
from shared.tenancy import TenantScoped


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
