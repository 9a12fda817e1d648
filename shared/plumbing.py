"""Tables every service carries in its own database: outbox, inbox, idempotency, audit, partner keys, webhooks, jobs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import UTCDateTime

JsonType = JSON().with_variant(JSONB(), "postgresql")


@dataclass(frozen=True)
class PlumbingTables:
    """The shared tables as they are defined on one service's metadata."""

    outbox_events: Table
    outbox_deliveries: Table
    processed_events: Table
    idempotency_keys: Table
    audit_log: Table
    partner_keys: Table
    webhook_subscriptions: Table
    jobs: Table
    job_schedules: Table


def _serial_id() -> Column[int]:
    # BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER primary key.
    return Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True)


def define_plumbing_tables(metadata: MetaData) -> PlumbingTables:
    """Define the shared tables on a service's metadata so its Alembic history creates them."""
    outbox_events = Table(
        "outbox_events",
        metadata,
        _serial_id(),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("type", String(100), nullable=False),
        Column("partner_id", String(64), nullable=True),
        Column("payload", JsonType, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
    )
    outbox_deliveries = Table(
        "outbox_deliveries",
        metadata,
        _serial_id(),
        Column("event_id", String(36), nullable=False, index=True),
        Column("subscriber", String(100), nullable=False),
        Column("url", Text, nullable=False),
        Column("status", String(20), nullable=False, index=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UTCDateTime(), nullable=False, index=True),
        Column("leased_until", UTCDateTime(), nullable=True),
        Column("last_error", Text, nullable=True),
        Column("delivered_at", UTCDateTime(), nullable=True),
        # Set for a partner's webhook delivery (null: a peer service's); the partner owns the delivery.
        Column("subscription_id", String(36), nullable=True, index=True),
        Column("partner_id", String(64), nullable=True, index=True),
        Column("dead_at", UTCDateTime(), nullable=True),
        UniqueConstraint("event_id", "subscriber"),
    )
    processed_events = Table(
        "processed_events",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("type", String(100), nullable=False),
        Column("processed_at", UTCDateTime(), nullable=False),
    )
    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("principal_org", String(64), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("method_path", String(300), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("response_status", Integer, nullable=False),
        Column("response_body", LargeBinary, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
    )
    audit_log = Table(
        "audit_log",
        metadata,
        _serial_id(),
        Column("at", UTCDateTime(), nullable=False),
        Column("actor_org", String(64), nullable=False),
        Column("actor_kind", String(20), nullable=False),
        Column("actor_subject", String(200), nullable=False),
        Column("action", String(100), nullable=False),
        Column("resource_type", String(100), nullable=False),
        Column("resource_id", String(100), nullable=False),
        Column("partner_id", String(64), nullable=True, index=True),
        Column("request_id", String(64), nullable=True),
        Column("detail", JsonType, nullable=True),
    )
    partner_keys = Table(
        "partner_keys",
        metadata,
        Column("partner_id", String(64), primary_key=True),
        Column("version", Integer, primary_key=True),
        # Wrapped by the master key `master_kid` around an inner wrap by the partner's KEK `kek_id` in the
        # key vault (null: written before the vault, wrapped by the master key alone).
        Column("master_kid", String(256), nullable=False),
        Column("kek_id", String(256), nullable=True),
        Column("wrapped_key", LargeBinary, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("destroyed_at", UTCDateTime(), nullable=True),
    )
    webhook_subscriptions = Table(
        "webhook_subscriptions",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("partner_id", String(64), nullable=False, index=True),
        Column("url", Text, nullable=False),
        Column("event_types", JsonType, nullable=False),
        Column("description", String(500), nullable=True),
        Column("active", Boolean, nullable=False),
        # Standard Webhooks secrets, encrypted with the partner's data key and bound to the row; the previous
        # one keeps signing until `previous_secret_expires_at` after a rotation.
        Column("secret_enc", Text, nullable=False),
        Column("previous_secret_enc", Text, nullable=True),
        Column("previous_secret_expires_at", UTCDateTime(), nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    )
    jobs = Table(
        "jobs",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("kind", String(100), nullable=False),
        # Identifiers only: a job's personal data stays in the domain tables, encrypted.
        Column("payload", JsonType, nullable=False),
        Column("status", String(20), nullable=False, index=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("run_after", UTCDateTime(), nullable=False, index=True),
        Column("leased_until", UTCDateTime(), nullable=True),
        Column("leased_by", String(100), nullable=True),
        Column("last_error", Text, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("finished_at", UTCDateTime(), nullable=True),
    )
    job_schedules = Table(
        "job_schedules",
        metadata,
        Column("name", String(100), primary_key=True),
        Column("next_run_at", UTCDateTime(), nullable=False),
        Column("last_run_by", String(100), nullable=True),
    )
    return PlumbingTables(
        outbox_events,
        outbox_deliveries,
        processed_events,
        idempotency_keys,
        audit_log,
        partner_keys,
        webhook_subscriptions,
        jobs,
        job_schedules,
    )
