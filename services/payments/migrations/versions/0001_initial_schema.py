"""initial schema: ledger, obligations, payouts, bank files, plumbing

Revision ID: 0001
Revises:
Create Date: 2026-11-26 11:45:43.281626
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_append_only, create_plumbing_tables, drop_append_only, drop_plumbing_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Rows the ledger never changes: corrections are new rows (reversals), never edits.
APPEND_ONLY = ("audit_log", "entries", "transfers", "checkpoints")

# At commit, every transfer touched must have two or more entries that sum to zero per currency.
BALANCED_TRANSFERS_SQL = """
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
CREATE CONSTRAINT TRIGGER entries_balanced AFTER INSERT ON entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION entries_balanced();
"""
DROP_BALANCED_TRANSFERS_SQL = (
    "DROP TRIGGER IF EXISTS entries_balanced ON entries; DROP FUNCTION IF EXISTS entries_balanced();"
)


def upgrade() -> None:
    create_plumbing_tables()
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("bank_iban", sa.String(length=42), nullable=True),
        sa.Column("bank_bic", sa.String(length=11), nullable=True),
        sa.Column("bank_holder", sa.String(length=70), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind <> 'funding' OR balance_minor >= 0", name=op.f("ck_accounts_funding_not_overdrawn")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("id", "partner_id", "currency", name="uq_accounts_id_partner_currency"),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(
            "uq_accounts_system_kind",
            ["partner_id", "kind", "currency"],
            unique=True,
            sqlite_where=sa.text("kind <> 'funding'"),
            postgresql_where=sa.text("kind <> 'funding'"),
        )

    op.create_table(
        "bank_accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=64), nullable=False),
        sa.Column("iban_encrypted", sa.Text(), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("holder_encrypted", sa.Text(), nullable=False),
        sa.Column("iban_last4", sa.String(length=4), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_accounts")),
        sa.UniqueConstraint("partner_id", "applicant_id", name="uq_bank_accounts_partner_applicant"),
    )
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_accounts_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "chain_heads",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_heads")),
    )
    with op.batch_alter_table("chain_heads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chain_heads_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "checkpoints",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.String(length=40), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
        sa.UniqueConstraint("partner_id", "seq", "key_id", name="uq_checkpoints_partner_seq_key"),
    )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkpoints_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "transfers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("reverses_transfer_id", sa.String(length=36), nullable=True),
        sa.Column("payout_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["reverses_transfer_id"], ["transfers.id"], name=op.f("fk_transfers_reverses_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("reverses_transfer_id", name=op.f("uq_transfers_reverses_transfer_id")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfers_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(
            "uq_transfers_payout_execution",
            ["payout_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'payout'"),
            postgresql_where=sa.text("kind = 'payout'"),
        )

    op.create_table(
        "bank_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("funding_account_id", sa.String(length=36), nullable=False),
        sa.Column("payout_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["funding_account_id"], ["accounts.id"], name=op.f("fk_bank_batches_funding_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_batches")),
        sa.UniqueConstraint("message_id", name=op.f("uq_bank_batches_message_id")),
    )
    with op.batch_alter_table("bank_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_batches_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "contributions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("funding_account_id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["funding_account_id"], ["accounts.id"], name=op.f("fk_contributions_funding_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], name=op.f("fk_contributions_transfer_id_transfers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributions")),
    )
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contributions_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("transfer_kind", sa.String(length=30), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.CheckConstraint("amount_minor <> 0", name=op.f("ck_entries_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["account_id", "partner_id", "currency"],
            ["accounts.id", "accounts.partner_id", "accounts.currency"],
            name="fk_entries_account_partner_currency",
        ),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], name=op.f("fk_entries_transfer_id_transfers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
        sa.UniqueConstraint("partner_id", "seq", name="uq_entries_partner_seq"),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entries_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_entries_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_entries_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_entries_transfer_id"), ["transfer_id"], unique=False)

    op.create_table(
        "obligations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=64), nullable=False),
        sa.Column("assessment_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_transfer_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_obligations_amount_positive")),
        sa.ForeignKeyConstraint(
            ["release_transfer_id"], ["transfers.id"], name=op.f("fk_obligations_release_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
        sa.UniqueConstraint("assessment_id", "key", name="uq_obligations_assessment_key"),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obligations_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_obligations_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_obligations_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_obligations_status"), ["status"], unique=False)

    op.create_table(
        "payouts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("obligation_id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=64), nullable=False),
        sa.Column("funding_account_id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("required_approvals", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=True),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("fx_rate", sa.String(length=40), nullable=True),
        sa.Column("fx_source", sa.String(length=100), nullable=True),
        sa.Column("fx_observed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fx_debit_minor", sa.BigInteger(), nullable=True),
        sa.Column("fx_residue_minor", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["funding_account_id"], ["accounts.id"], name=op.f("fk_payouts_funding_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["obligation_id"], ["obligations.id"], name=op.f("fk_payouts_obligation_id_obligations")
        ),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], name=op.f("fk_payouts_transfer_id_transfers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payouts_end_to_end_id")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payouts_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_obligation_id"), ["obligation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_payouts_active_obligation",
            ["obligation_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('pending_approval', 'approved', 'executed', 'settled')"),
            postgresql_where=sa.text("status IN ('pending_approval', 'approved', 'executed', 'settled')"),
        )

    op.create_table(
        "payout_approvals",
        sa.Column("payout_id", sa.String(length=36), nullable=False),
        sa.Column("approver", sa.String(length=200), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["payout_id"], ["payouts.id"], name=op.f("fk_payout_approvals_payout_id_payouts")),
        sa.PrimaryKeyConstraint("payout_id", "approver", name=op.f("pk_payout_approvals")),
    )
    with op.batch_alter_table("payout_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_approvals_partner_id"), ["partner_id"], unique=False)
    for table in APPEND_ONLY:
        create_append_only(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BALANCED_TRANSFERS_SQL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_BALANCED_TRANSFERS_SQL)
    for table in APPEND_ONLY:
        drop_append_only(table)
    with op.batch_alter_table("payout_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_approvals_partner_id"))

    op.drop_table("payout_approvals")
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_payouts_active_obligation",
            sqlite_where=sa.text("status IN ('pending_approval', 'approved', 'executed', 'settled')"),
            postgresql_where=sa.text("status IN ('pending_approval', 'approved', 'executed', 'settled')"),
        )
        batch_op.drop_index(batch_op.f("ix_payouts_status"))
        batch_op.drop_index(batch_op.f("ix_payouts_partner_id"))
        batch_op.drop_index(batch_op.f("ix_payouts_obligation_id"))
        batch_op.drop_index(batch_op.f("ix_payouts_batch_id"))

    op.drop_table("payouts")
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligations_status"))
        batch_op.drop_index(batch_op.f("ix_obligations_partner_id"))
        batch_op.drop_index(batch_op.f("ix_obligations_due_on"))
        batch_op.drop_index(batch_op.f("ix_obligations_applicant_id"))

    op.drop_table("obligations")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entries_transfer_id"))
        batch_op.drop_index(batch_op.f("ix_entries_partner_id"))
        batch_op.drop_index(batch_op.f("ix_entries_created_at"))
        batch_op.drop_index(batch_op.f("ix_entries_account_id"))

    op.drop_table("entries")
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contributions_partner_id"))

    op.drop_table("contributions")
    with op.batch_alter_table("bank_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_batches_partner_id"))

    op.drop_table("bank_batches")
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_transfers_payout_execution",
            sqlite_where=sa.text("kind = 'payout'"),
            postgresql_where=sa.text("kind = 'payout'"),
        )
        batch_op.drop_index(batch_op.f("ix_transfers_partner_id"))

    op.drop_table("transfers")

    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoints_partner_id"))

    op.drop_table("checkpoints")
    with op.batch_alter_table("chain_heads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_heads_partner_id"))

    op.drop_table("chain_heads")
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_accounts_partner_id"))

    op.drop_table("bank_accounts")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_accounts_system_kind",
            sqlite_where=sa.text("kind <> 'funding'"),
            postgresql_where=sa.text("kind <> 'funding'"),
        )
        batch_op.drop_index(batch_op.f("ix_accounts_partner_id"))

    op.drop_table("accounts")
    drop_plumbing_tables()
