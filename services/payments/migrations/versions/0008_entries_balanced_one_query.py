"""entries_balanced checks a transfer in one query

The deferred constraint trigger runs once per inserted entry at commit (2,000 times for a batch of 1,000
contributions). It counted the transfer's entries in one query and looked for an unbalanced currency in
another; one grouped query now answers both, with the same errors. PostgreSQL only, as the trigger.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 16:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_QUERY = """
CREATE OR REPLACE FUNCTION entries_balanced() RETURNS trigger AS $$
DECLARE
  entries_count bigint;
  unbalanced boolean;
BEGIN
  SELECT coalesce(sum(n), 0), coalesce(bool_or(total <> 0), false) INTO entries_count, unbalanced
  FROM (
    SELECT count(*) AS n, sum(amount_minor) AS total FROM entries WHERE transfer_id = NEW.transfer_id GROUP BY currency
  ) AS per_currency;
  IF entries_count < 2 THEN
    RAISE EXCEPTION 'transfer % has fewer than two entries', NEW.transfer_id USING ERRCODE = 'check_violation';
  END IF;
  IF unbalanced THEN
    RAISE EXCEPTION 'transfer % is unbalanced', NEW.transfer_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

TWO_QUERIES = """
CREATE OR REPLACE FUNCTION entries_balanced() RETURNS trigger AS $$
BEGIN
  IF (SELECT count(*) FROM entries WHERE transfer_id = NEW.transfer_id) < 2 THEN
    RAISE EXCEPTION 'transfer % has fewer than two entries', NEW.transfer_id USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (
    SELECT 1 FROM entries WHERE transfer_id = NEW.transfer_id GROUP BY currency HAVING sum(amount_minor) <> 0
  ) THEN
    RAISE EXCEPTION 'transfer % is unbalanced', NEW.transfer_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ONE_QUERY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TWO_QUERIES)
