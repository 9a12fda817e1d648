"""Alembic environment of the asylum service."""

from alembic import context

from services.asylum.models import Base
from shared.migrations import run_env

run_env(context, Base.metadata)
