"""One Alembic history per service: the runner, append-only triggers and the shared tables' migration helpers.

Migrations import these helpers from here; each concern lives in its own module.
"""

from shared.migrations.append_only import append_only_trigger_sql, create_append_only, drop_append_only
from shared.migrations.plumbing import (
    add_partner_key_vault_columns,
    add_webhook_tables,
    create_job_tables,
    create_plumbing_tables,
    drop_job_tables,
    drop_partner_key_vault_columns,
    drop_plumbing_tables,
    drop_webhook_tables,
)
from shared.migrations.runner import alembic_config, render_item, run_env, upgrade_to_head

__all__ = [
    "add_partner_key_vault_columns",
    "add_webhook_tables",
    "alembic_config",
    "append_only_trigger_sql",
    "create_append_only",
    "create_job_tables",
    "create_plumbing_tables",
    "drop_append_only",
    "drop_job_tables",
    "drop_partner_key_vault_columns",
    "drop_plumbing_tables",
    "drop_webhook_tables",
    "render_item",
    "run_env",
    "upgrade_to_head",
]
