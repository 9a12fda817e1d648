"""Bulk intake jobs and the outcome of each of their rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.eligibility.models import Base
from shared.db import UTCDateTime
from shared.plumbing import JsonType
from shared.tenancy import TenantScoped


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
