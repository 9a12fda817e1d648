"""The family domain's tables: dependants on cases and the family links eligibility announced."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.asylum.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped


class Dependant(Base):
    """A family member on a case; name, birth date and decision reason are ciphertexts of the owning partner."""

    __tablename__ = "dependants"
    __table_args__ = (
        # A person registered in eligibility joins a case once, however many events name them.
        Index(
            "uq_dependants_case_person_ref",
            "case_id",
            "person_ref",
            unique=True,
            sqlite_where=text("person_ref IS NOT NULL"),
            postgresql_where=text("person_ref IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    person_ref: Mapped[str | None] = mapped_column(String(36))
    name_enc: Mapped[str | None] = mapped_column(Text)
    birth_date_enc: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(40))
    decision_reason_enc: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FamilyLink(TenantScoped, Base):
    """A family member eligibility registered for a main applicant, remembered whether or not the case exists yet.

    Events may arrive in any order: a member heard of before the main applicant's case is opened, or while
    the case does not cover the family, joins it once it does.
    """

    __tablename__ = "family_links"
    __table_args__ = (UniqueConstraint("partner_id", "main_applicant_id", "member_applicant_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    main_applicant_id: Mapped[str] = mapped_column(String(36), index=True)
    member_applicant_id: Mapped[str] = mapped_column(String(36))
    heard_at: Mapped[datetime] = mapped_column(UTCDateTime())
