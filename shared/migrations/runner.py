"""Run a service's Alembic history programmatically (no alembic.ini to keep in step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool

from shared.db import UTCDateTime, is_sqlite, sync_url


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    """An Alembic config for a service's `migrations/` folder and database."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    config.attributes["database_url"] = sync_url(database_url)
    return config


def upgrade_to_head(migrations_dir: Path, database_url: str) -> None:
    """Apply every migration of a service to its database."""
    command.upgrade(alembic_config(migrations_dir, database_url), "head")


def run_env(context: Any, metadata: MetaData) -> None:
    """Body of each service's `env.py`: run migrations online against the configured URL.

    `context` is `alembic.context`, a module that proxies an `EnvironmentContext`.
    """
    url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=is_sqlite(url),
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render project column types as the plain SQLAlchemy types they store, so migrations import nothing of ours."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
