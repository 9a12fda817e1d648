"""Append-only tables: PostgreSQL triggers that refuse UPDATE and DELETE, created and dropped in migrations."""

from __future__ import annotations


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
