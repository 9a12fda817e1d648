"""The publication domain's table: published derivatives with their signed manifests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.testimony.models import Base
from shared.db import UTCDateTime
from shared.plumbing import JsonType
from shared.tenancy import TenantScoped


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
