"""Asylum ORM models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata
from shared.plumbing import define_plumbing_tables
from shared.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)


class Case(TenantScoped, Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(36), index=True)
    state: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
