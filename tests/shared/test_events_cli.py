"""`carrots events`: an operator lists dead deliveries and sends them again from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select
from typer.testing import CliRunner

from carrots.cli import app
from services.asylum.models import tables

runner = CliRunner()


def test_dead_deliveries_are_listed_and_redelivered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASYLUM_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["migrate", "asylum", "--var-dir", str(tmp_path)]).exit_code == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'asylum.db'}")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for n, status in enumerate(("dead", "delivered")):
            event_id = f"00000000-0000-4000-8000-00000000000{n}"
            conn.execute(
                insert(tables.outbox_events).values(
                    event_id=event_id, type="asylum.case.opened", partner_id="DE", payload={}, created_at=now
                )
            )
            conn.execute(
                insert(tables.outbox_deliveries).values(
                    event_id=event_id,
                    subscriber="payments",
                    url="http://127.0.0.1:8002/v1/events",
                    status=status,
                    attempts=13,
                    next_attempt_at=now,
                    last_error="HTTP 503",
                    dead_at=now if status == "dead" else None,
                )
            )

    listed = runner.invoke(app, ["events", "dead", "--service", "asylum", "--var-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if line.startswith("asylum\t")]
    assert len(lines) == 1
    assert lines[0].split("\t")[:5] == ["asylum", "1", "asylum.case.opened", "payments", "13 attempts"]
    assert "HTTP 503" in lines[0]

    again = runner.invoke(
        app, ["events", "redeliver", "asylum", "1", "--operator", "ops-1", "--var-dir", str(tmp_path)]
    )
    assert again.exit_code == 0, again.output
    assert "pending again" in again.output
    with engine.connect() as conn:
        d = tables.outbox_deliveries
        assert conn.execute(select(d.c.status, d.c.attempts).where(d.c.id == 1)).one() == ("pending", 0)
        audit = tables.audit_log
        row = conn.execute(select(audit.c.action, audit.c.actor_kind, audit.c.actor_subject)).one()
    assert tuple(row) == ("delivery.redelivered", "operator", "ops-1")

    # Neither a delivered one nor one that is no longer dead can be sent again; the exit code says so.
    refused = runner.invoke(
        app, ["events", "redeliver", "asylum", "1", "2", "--operator", "ops-1", "--var-dir", str(tmp_path)]
    )
    assert refused.exit_code == 1
    assert "only a dead delivery can be redelivered" in refused.output
    empty = runner.invoke(app, ["events", "dead", "--service", "asylum", "--var-dir", str(tmp_path)])
    assert "0 dead deliveries" in empty.output
    engine.dispose()
