"""The cases domain's tables: cases, their history, and the applicants a partner may open a case for."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.asylum.models import Base
from shared.db import UTCDateTime
from shared.tenancy import TenantScoped

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Case(TenantScoped, Base):
    """An applicant's asylum case; the applicant is known only by eligibility's pseudonymous id."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("partner_id", "applicant_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    applicant_id: Mapped[str] = mapped_column(String(36), index=True)
    assessment_id: Mapped[str | None] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(40))
    # `asylum` or `residence`; and the track dependants follow through this case, null if not covered.
    track: Mapped[str] = mapped_column(String(20), server_default="asylum")
    family_track: Mapped[str | None] = mapped_column(String(20))
    # Whether the naturalisation steps are open to the case: the approval it follows granted a citizenship path.
    citizenship_path: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The approval the case follows is (approved_on, assessment_id); a later one updates the case, an older
    # one arriving late does not. Null for a case opened over the API, which any approval then updates.
    approved_on: Mapped[date | None] = mapped_column(Date)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime())
    # Argon2id hashes only; the secret itself is shown once and never stored.
    secret_hash: Mapped[str | None] = mapped_column(String(255))
    duress_hash: Mapped[str | None] = mapped_column(String(255))
    protection_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    protection_flag_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)

    # Two officers moving one case at once: the second gets a conflict, not a lost update.
    __mapper_args__ = {"version_id_col": version}


class CaseHistoryEntry(Base):
    """One step in a case's life: opening, a transition or a transfer (append-only)."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    from_partner: Mapped[str | None] = mapped_column(String(64))
    to_partner: Mapped[str | None] = mapped_column(String(64))
    # Free text may name people: a ciphertext under the key of `reason_partner`, the partner holding the
    # case when the entry was written (the history is append-only, so a transfer cannot re-encrypt it).
    reason_enc: Mapped[str | None] = mapped_column(Text)
    reason_partner: Mapped[str | None] = mapped_column(String(64))
    actor_org: Mapped[str] = mapped_column(String(64))
    actor_subject: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApplicantTenancy(TenantScoped, Base):
    """An applicant a partner may open a case for: approved under its tenancy, or whose case it received.

    Written when eligibility's signed approval arrives (`approved`) and when a case is transferred to the
    partner (`transferred`); `POST /v1/cases` accepts no other applicant.
    """

    __tablename__ = "applicant_tenancies"
    __table_args__ = (UniqueConstraint("partner_id", "applicant_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applicant_id: Mapped[str] = mapped_column(String(36))
    basis: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
