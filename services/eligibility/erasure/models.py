"""Requests to erase a partner by destroying its keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from services.eligibility.models import Base
from shared.db import UTCDateTime


class ErasureRequest(Base):
    """An operator's request to erase a partner by destroying its keys; a second operator approves it.

    Not tenant-scoped: operators act on partners, and the request outlives the partner's data.
    """

    __tablename__ = "erasure_requests"
    __table_args__ = (
        # One request at a time per partner waits for its second operator.
        Index(
            "uq_erasure_requests_pending_partner",
            "partner_id",
            unique=True,
            sqlite_where=text("status = 'pending_approval'"),
            postgresql_where=text("status = 'pending_approval'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    kek_destroyed: Mapped[bool] = mapped_column(Boolean, default=False)
    data_keys_destroyed: Mapped[int] = mapped_column(Integer, default=0)
