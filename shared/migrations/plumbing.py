"""The shared tables (audit log, outbox, partner keys, webhooks, jobs) as each service's migrations create them."""

from __future__ import annotations

from typing import Any


def _serial() -> Any:
    import sqlalchemy as sa

    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False)


def create_plumbing_tables() -> None:
    """In a service's first migration: the shared tables as `shared.plumbing` defined them in version 1.

    Frozen here rather than built from the live definitions, so an old migration never changes; a later
    change to the shared tables comes with its own helper for the services' next migration.
    """
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "audit_log",
        _serial(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_org", sa.String(length=64), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_subject", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("resource_type", sa.String(length=100), nullable=False),
        sa.Column("resource_id", sa.String(length=100), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("detail", json_type, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_partner_id"), "audit_log", ["partner_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("principal_org", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("method_path", sa.String(length=300), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal_org", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "outbox_deliveries",
        _serial(),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("subscriber", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_deliveries")),
        sa.UniqueConstraint("event_id", "subscriber", name=op.f("uq_outbox_deliveries_event_id_subscriber")),
    )
    for column in ("event_id", "next_attempt_at", "status"):
        op.create_index(op.f(f"ix_outbox_deliveries_{column}"), "outbox_deliveries", [column])
    op.create_table(
        "outbox_events",
        _serial(),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("payload", json_type, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_events_event_id")),
    )
    op.create_table(
        "partner_keys",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("master_kid", sa.String(length=64), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("partner_id", "version", name=op.f("pk_partner_keys")),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )


def drop_plumbing_tables() -> None:
    """In a service's first migration: undo `create_plumbing_tables` (indexes go with their tables)."""
    from alembic import op

    for table in (
        "processed_events",
        "partner_keys",
        "outbox_events",
        "outbox_deliveries",
        "idempotency_keys",
        "audit_log",
    ):
        op.drop_table(table)


def add_partner_key_vault_columns() -> None:
    """In a service's migration: `partner_keys` learns which vault KEK wrapped each data key (version 2).

    Master key ids widen to hold KMS key ARNs. Existing rows keep `kek_id` null (wrapped by the master
    key alone) until `carrots keys rotate-master` re-wraps them under the partner's KEK.
    """
    import sqlalchemy as sa
    from alembic import op

    with op.batch_alter_table("partner_keys") as batch:
        batch.alter_column("master_kid", existing_type=sa.String(length=64), type_=sa.String(length=256))
        batch.add_column(sa.Column("kek_id", sa.String(length=256), nullable=True))


def drop_partner_key_vault_columns() -> None:
    """In a service's migration: undo `add_partner_key_vault_columns`."""
    import sqlalchemy as sa
    from alembic import op

    with op.batch_alter_table("partner_keys") as batch:
        batch.drop_column("kek_id")
        batch.alter_column("master_kid", existing_type=sa.String(length=256), type_=sa.String(length=64))


def add_webhook_tables() -> None:
    """In a service's migration: partners' webhook subscriptions, and deliveries that know their partner (version 3).

    A delivery with a `subscription_id` goes to a partner's webhook; `dead_at` records when any delivery gave up.
    """
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", json_type, nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("previous_secret_enc", sa.Text(), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(op.f("ix_webhook_subscriptions_partner_id"), "webhook_subscriptions", ["partner_id"])
    with op.batch_alter_table("outbox_deliveries") as batch:
        batch.add_column(sa.Column("subscription_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("partner_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_outbox_deliveries_subscription_id"), ["subscription_id"])
        batch.create_index(batch.f("ix_outbox_deliveries_partner_id"), ["partner_id"])


def drop_webhook_tables() -> None:
    """In a service's migration: undo `add_webhook_tables`."""
    from alembic import op

    with op.batch_alter_table("outbox_deliveries") as batch:
        batch.drop_index(batch.f("ix_outbox_deliveries_partner_id"))
        batch.drop_index(batch.f("ix_outbox_deliveries_subscription_id"))
        batch.drop_column("dead_at")
        batch.drop_column("partner_id")
        batch.drop_column("subscription_id")
    op.drop_table("webhook_subscriptions")


def create_job_tables() -> None:
    """In a service's migration: the job engine's `jobs` and `job_schedules` (see `shared.jobs`)."""
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("payload", json_type, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_by", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_status"), "jobs", ["status"])
    op.create_index(op.f("ix_jobs_run_after"), "jobs", ["run_after"])
    op.create_table(
        "job_schedules",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_schedules")),
    )


def drop_job_tables() -> None:
    """In a service's migration: undo `create_job_tables`."""
    from alembic import op

    op.drop_table("job_schedules")
    op.drop_table("jobs")
