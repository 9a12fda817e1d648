"""The pages domain's table: the browser sessions of the applicant's own page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from services.testimony.models import Base
from shared.db import UTCDateTime


class PageSession(Base):
    """A browser that opened `/my-testimony` with a token: keyed by a hash of its session id; holds the token's hash.

    Not a partner's record: it is found by the browser's cookie before anyone knows whose testimony it opens.
    """

    __tablename__ = "page_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
