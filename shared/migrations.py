"""One Alembic history per service, run programmatically (no alembic.ini to keep in step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool

from shared.db import is_sqlite, sync_url


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
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def append_only_trigger_sql(table: str) -> tuple[str, str]:
    """PostgreSQL DDL (create, drop) that refuses UPDATE and DELETE on a table."""
    function = f"{table}_append_only"
    create = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{table} is append-only: % refused', TG_OP USING ERRCODE = 'raise_exception';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    drop = f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
    return create, drop


def create_append_only(table: str) -> None:
    """In a migration: make `table` append-only on PostgreSQL (SQLite relies on the code path)."""
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        op.execute(append_only_trigger_sql(table)[0])


def drop_append_only(table: str) -> None:
    """In a migration: undo `create_append_only`."""
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        op.execute(append_only_trigger_sql(table)[1])
