"""The consent domain's tables: consent records and the hash-chained events that change them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.testimony.models import Base
from shared.db import UTCDateTime
from shared.plumbing import JsonType
from shared.tenancy import TenantScoped


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
