"""Alembic environment of the payments service."""

from alembic import context

from services.payments.models import Base
from shared.migrations import run_env

run_env(context, Base.metadata)
