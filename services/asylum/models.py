"""Asylum's ORM base and every table it owns.

Each domain keeps its tables in its own `models.py` (`cases/`, `family/`, `access/`, `applicant/`), declared
on the `Base` below. This module imports them all, so that `Base.metadata` is complete for Alembic and
`create_all`, and re-exports them for callers that work across domains. The package's `__init__` imports this
module first, so a domain's `models.py` always finds `Base` defined whichever module is imported first.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.plumbing import define_plumbing_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)

# The domains' tables, declared on Base above (so imported after it).
from services.asylum.access.models import AccessGrant  # noqa: E402
from services.asylum.applicant.models import LookupThrottle  # noqa: E402
from services.asylum.cases.models import ApplicantTenancy, Case, CaseHistoryEntry  # noqa: E402
from services.asylum.family.models import Dependant, FamilyLink  # noqa: E402

__all__ = [
    "AccessGrant",
    "ApplicantTenancy",
    "Base",
    "Case",
    "CaseHistoryEntry",
    "Dependant",
    "FamilyLink",
    "LookupThrottle",
    "tables",
]
