"""Applicants and their identity documents (as keyed hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.eligibility.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped


class Applicant(TenantScoped, Base):
    """A person registered by a partner; personal fields are ciphertexts."""

    __tablename__ = "applicants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    names_enc: Mapped[str] = mapped_column(Text)
    birth_date_enc: Mapped[str] = mapped_column(Text)
    citizenship: Mapped[str] = mapped_column(String(2))
    rank_or_post_enc: Mapped[str | None] = mapped_column(Text)
    contacts_enc: Mapped[str | None] = mapped_column(Text)
    service_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    arrived_in_partner_territory: Mapped[bool] = mapped_column(Boolean, default=False)
    # Resigned, defected or left their post: what the awards for diplomats and senior figures ask for.
    left_post: Mapped[bool] = mapped_column(Boolean, default=False)
    main_applicant_id: Mapped[str | None] = mapped_column(ForeignKey("applicants.id"), index=True)
    duplicate_status: Mapped[str] = mapped_column(String(20), default="none")
    screening_status: Mapped[str] = mapped_column(String(20), default="unavailable")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))

    documents: Mapped[list[ApplicantDocument]] = relationship(
        back_populates="applicant", lazy="raise", cascade="all, delete-orphan"
    )


class ApplicantDocument(Base):
    """An identity document, known only by the keyed hash of its normalised number."""

    __tablename__ = "applicant_documents"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(String(50))
    issuing_country: Mapped[str] = mapped_column(String(2))
    number_hash: Mapped[str] = mapped_column(String(64), index=True)

    applicant: Mapped[Applicant] = relationship(back_populates="documents", lazy="raise")
