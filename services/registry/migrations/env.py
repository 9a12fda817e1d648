"""Alembic environment of the registry service."""

from alembic import context

from services.registry.models import Base
from shared.migrations import run_env

run_env(context, Base.metadata)
