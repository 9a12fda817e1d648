"""The migration to encrypted reasons runs on filled tables too, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import sqlalchemy as sa
from alembic import command

from carrots.registry import SERVICES
from shared.db import sync_url
from shared.migrations import alembic_config, upgrade_to_head
from tests.harness import PG_ADMIN_URL, backend, recreate_pg_database


def scratch_database(tmp_path: Path) -> str:
    """An empty database of the suite's backend, used by this test alone."""
    if backend() == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'asylum.db'}"
    name = f"asylum_migration_{uuid.uuid4().hex[:12]}"
    recreate_pg_database(name)
    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


def drop_scratch_database(url: str) -> None:
    if backend() == "postgresql":
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_clear_text_reason_columns_are_replaced_on_a_filled_table(tmp_path: Path) -> None:
    url = scratch_database(tmp_path)
    migrations = SERVICES["asylum"].migrations_dir
    try:
        command.upgrade(alembic_config(migrations, url), "0002")
        engine = sa.create_engine(sync_url(url))
        now = datetime.now(UTC)
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO cases (id, partner_id, reference, applicant_id, state, state_since, "
                    "protection_flag_count, created_at, created_by, version) "
                    "VALUES ('c1', 'DE', 'REF1', 'a1', 'lodged', :now, 0, :now, 'officer', 1)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO case_history (case_id, kind, to_state, reason, actor_org, actor_subject, at) "
                    "VALUES ('c1', 'transition', 'lodged', 'named a witness', 'DE', 'officer', :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO dependants (id, case_id, relation, decision_reason, created_at) "
                    "VALUES ('d1', 'c1', 'child', 'named a witness', :now)"
                ),
                {"now": now},
            )
        upgrade_to_head(migrations, url)
        with engine.connect() as conn:
            history = conn.execute(sa.text("SELECT * FROM case_history")).mappings().one()
            dependant = conn.execute(sa.text("SELECT * FROM dependants")).mappings().one()
        engine.dispose()
        assert "reason" not in history
        assert (history["reason_enc"], history["reason_partner"]) == (None, None)
        assert "decision_reason" not in dependant
        assert dependant["decision_reason_enc"] is None
    finally:
        drop_scratch_database(url)
