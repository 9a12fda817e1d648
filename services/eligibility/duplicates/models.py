"""Duplicate conflicts: one identity document registered twice, possibly by two partners."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from services.eligibility.models import Base
from shared.db import UTCDateTime


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
