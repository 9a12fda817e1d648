"""The access domain's table: the NGO access grants applicants consent to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.asylum.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped


class AccessGrant(TenantScoped, Base):
    """An applicant's consent that lets one NGO see one case, at `status` or `full` level."""

    __tablename__ = "access_grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    ngo_org: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(10))
    recorded_by_kind: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(200))
