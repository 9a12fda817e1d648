from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from carrots.registry import SERVICES
from shared.db import sync_url
from tests.harness import MigratedDatabases


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_models_match_the_migrations(service: str, databases: MigratedDatabases) -> None:
    import importlib

    url = databases.template(SERVICES[service])
    metadata = importlib.import_module(f"services.{service}.models").Base.metadata
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == [], f"{service}: models and migrations differ; run `carrots revision {service} -m ...`"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_migrations_downgrade_to_empty_and_upgrade_again(service: str, tmp_path: object) -> None:
    from pathlib import Path

    from alembic import command

    from shared.migrations import alembic_config, upgrade_to_head

    assert isinstance(tmp_path, Path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    entry = SERVICES[service]
    upgrade_to_head(entry.migrations_dir, url)
    command.downgrade(alembic_config(entry.migrations_dir, url), "base")
    upgrade_to_head(entry.migrations_dir, url)


@pytest.mark.postgres_only
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_audit_log_refuses_updates_and_deletes_on_postgresql(service: str, databases: MigratedDatabases) -> None:
    import psycopg

    url = databases.template(SERVICES[service]).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO audit_log (at, actor_org, actor_kind, actor_subject, action, resource_type, resource_id) "
            "VALUES (now(), 'DE', 'partner', 'officer', 'probe', 'probe', 'p1')"
        )
        for statement in ("UPDATE audit_log SET action = 'edited'", "DELETE FROM audit_log"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"), conn.transaction():
                conn.execute(statement)
        conn.rollback()
