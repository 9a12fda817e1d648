"""The intake domain's tables: testimonies, the family members they identify, sealed originals and submission tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.testimony.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped


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
