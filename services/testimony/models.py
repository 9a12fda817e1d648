"""Testimony's ORM base and every table it owns.

Each domain keeps its tables in its own `models.py` (`intake/`, `consent/`, `review/`, `publication/`,
`pages/`), declared on the `Base` below. This module imports them all, so that `Base.metadata` is complete for
Alembic and `create_all`, and re-exports them for callers that work across domains. The package's `__init__`
imports this module first, so a domain's `models.py` always finds `Base` defined whichever module is imported
first.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.plumbing import define_plumbing_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)

# The domains' tables, declared on Base above (so imported after it).
from services.testimony.consent.models import ConsentEventRow, ConsentRecord  # noqa: E402
from services.testimony.intake.models import FamilyMember, Original, SubmissionToken, Testimony  # noqa: E402
from services.testimony.pages.models import PageSession  # noqa: E402
from services.testimony.publication.models import Publication  # noqa: E402
from services.testimony.review.models import Derivative, DerivativeMedia, Review, SubjectApproval  # noqa: E402

__all__ = [
    "Base",
    "ConsentEventRow",
    "ConsentRecord",
    "Derivative",
    "DerivativeMedia",
    "FamilyMember",
    "Original",
    "PageSession",
    "Publication",
    "Review",
    "SubjectApproval",
    "SubmissionToken",
    "Testimony",
    "tables",
]
