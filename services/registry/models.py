"""Registry ORM models: organisations and the append-only history of their changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime, new_metadata
from shared.plumbing import define_plumbing_tables

BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)


class Organisation(Base):
    """A partner government, an NGO or an auditor the deployment serves."""

    __tablename__ = "organisations"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    issuer: Mapped[str | None] = mapped_column(String(500))
    jwks_url: Mapped[str | None] = mapped_column(Text)
    currencies: Mapped[list[str]] = mapped_column(Json)
    mandates: Mapped[list[str]] = mapped_column(Json)
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrganisationChange(Base):
    """One change of one organisation; rows are only ever inserted (a trigger refuses more on PostgreSQL)."""

    __tablename__ = "organisation_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_org: Mapped[str] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_subject: Mapped[str] = mapped_column(String(200))
    changes: Mapped[dict[str, Any]] = mapped_column(Json)
    reason: Mapped[str | None] = mapped_column(String(500))
