"""Alembic environment of the testimony service."""

from alembic import context

from services.testimony.models import Base
from shared.migrations import run_env

run_env(context, Base.metadata)
