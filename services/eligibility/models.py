"""Eligibility's ORM base and every table it owns.

Each domain keeps its tables in its own `models.py` (`applicants/`, `duplicates/`, `intake/`, `policies/`,
`assessments/`, `screening/lists/`, `erasure/`), declared on the `Base` below. This module imports them all, so that
`Base.metadata` is complete for Alembic and `create_all`, and re-exports them for callers that work across
domains. The package's `__init__` imports this module first, so a domain's `models.py` always finds `Base`
defined whichever module is imported first.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.plumbing import define_plumbing_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)

# The domains' tables, declared on Base above (so imported after it).
from services.eligibility.applicants.models import Applicant, ApplicantDocument  # noqa: E402
from services.eligibility.assessments.models import Appeal, Approval, Assessment  # noqa: E402
from services.eligibility.duplicates.models import DuplicateConflict  # noqa: E402
from services.eligibility.erasure.models import ErasureRequest  # noqa: E402
from services.eligibility.intake.models import IntakeJob, IntakeRow  # noqa: E402
from services.eligibility.policies.models import Policy  # noqa: E402
from services.eligibility.screening.lists.models import (  # noqa: E402
    RescreeningJob,
    SanctionsListRecord,
    ScreeningHitRecord,
    Waiver,
)

__all__ = [
    "Appeal",
    "Applicant",
    "ApplicantDocument",
    "Approval",
    "Assessment",
    "Base",
    "DuplicateConflict",
    "ErasureRequest",
    "IntakeJob",
    "IntakeRow",
    "Policy",
    "RescreeningJob",
    "SanctionsListRecord",
    "ScreeningHitRecord",
    "Waiver",
    "tables",
]
