"""Eligibility ORM models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import new_metadata
from shared.plumbing import define_plumbing_tables
from shared.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)


class Applicant(TenantScoped, Base):
    """A person registered by a partner; personal fields are ciphertexts."""

    __tablename__ = "applicants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    names_enc: Mapped[str] = mapped_column(Text)
    birth_date_enc: Mapped[str] = mapped_column(Text)
    citizenship: Mapped[str] = mapped_column(String(2))
    rank_or_post_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))

    documents: Mapped[list[ApplicantDocument]] = relationship(
        back_populates="applicant", lazy="raise", cascade="all, delete-orphan"
    )


class ApplicantDocument(Base):
    """An identity document, known only by the keyed hash of its number."""

    __tablename__ = "applicant_documents"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(String(50))
    issuing_country: Mapped[str] = mapped_column(String(2))
    number_hash: Mapped[str] = mapped_column(String(64), index=True)

    applicant: Mapped[Applicant] = relationship(back_populates="documents", lazy="raise")
