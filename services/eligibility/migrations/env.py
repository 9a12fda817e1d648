"""Alembic environment of the eligibility service."""

from alembic import context

from services.eligibility.models import Base
from shared.migrations import run_env

run_env(context, Base.metadata)
