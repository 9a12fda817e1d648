"""The applicant domain's table: the throttle on failed status lookups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.asylum.models import Base
from shared.db import UTCDateTime


class LookupThrottle(Base):
    """Failed status lookups per client or per reference, both known only by keyed hashes."""

    __tablename__ = "lookup_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
