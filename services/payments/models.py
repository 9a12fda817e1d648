"""Payments ORM: the declarative base, the shared plumbing tables, and every domain's tables gathered.

Each domain keeps its tables in its own `models.py`; importing this module loads them all, so `Base.metadata`
is complete for the app, the migrations and the tests.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.plumbing import define_plumbing_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


tables = define_plumbing_tables(Base.metadata)

# The domains' tables, registered on Base.metadata (after Base exists: they import it from here).
import services.payments.banking.models  # noqa: E402
import services.payments.ledger.models  # noqa: E402
import services.payments.obligations.models  # noqa: E402
import services.payments.payouts.models  # noqa: E402
import services.payments.releases.models  # noqa: E402, F401
