"""Stored versions of the partners' tier policies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.eligibility.models import Base
from shared.db import UTCDateTime
from shared.plumbing import JsonType
from shared.tenancy import TenantScoped


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
