"""Release-by-hand table: an officer's request on evidence, approved by a second officer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from services.payments.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped


class ManualRelease(TenantScoped, Base):
    """An officer's request to release an applicant's tranches by hand on named evidence; a second officer approves.

    The evidence reference is free text that may name people: a ciphertext under the partner's key.
    """

    __tablename__ = "manual_releases"
    __table_args__ = (
        # One open request per applicant and trigger at a time.
        Index(
            "uq_manual_releases_pending",
            "partner_id",
            "applicant_id",
            "trigger",
            unique=True,
            sqlite_where=text("status = 'pending_approval'"),
            postgresql_where=text("status = 'pending_approval'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(64), index=True)
    trigger: Mapped[str] = mapped_column(String(40))
    evidence_kind: Mapped[str] = mapped_column(String(40))
    evidence_reference_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
