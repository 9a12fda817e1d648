from __future__ import annotations

import re
from pathlib import Path

import jwt
import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from carrots.cli import app
from shared.devkeys import ensure_dev_public_key

runner = CliRunner()


def test_every_command_explains_itself_with_help() -> None:
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    for command in ("up", "migrate", "revision", "token", "ledger", "testimony", "eligibility", "asylum"):
        assert command in top.output
        sub = runner.invoke(app, [command, "--help"])
        assert sub.exit_code == 0, sub.output
        assert "Usage" in sub.output


def test_token_issue_signs_a_token_the_services_accept(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "token",
            "issue",
            "--org",
            "DE",
            "--kind",
            "partner",
            "--scope",
            "applicants:read",
            "--scope",
            "applicants:write",
            "--var-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    public = ensure_dev_public_key(tmp_path).read_bytes()
    claims = jwt.decode(token, public, algorithms=["EdDSA"], audience="carrots", issuer="carrots-dev")
    assert claims["org"] == "DE"
    assert claims["kind"] == "partner"
    assert claims["scope"] == "applicants:read applicants:write"


def test_token_issue_refuses_to_mint_a_service_token(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["token", "issue", "--org", "payments", "--kind", "service", "--var-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "sign their own tokens" in re.sub(r"[\s│╭╮╰╯─]+", " ", result.output)
    assert not (tmp_path / "keys").exists()


def test_migrate_one_service_creates_its_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASYLUM_DATABASE_URL", raising=False)
    result = runner.invoke(app, ["migrate", "asylum", "--var-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "asylum: migrated to head" in result.output
    engine = create_engine(f"sqlite:///{tmp_path / 'asylum.db'}")
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"alembic_version", "outbox_events", "audit_log"} <= tables
    assert not (tmp_path / "payments.db").exists()


def test_migrate_rejects_an_unknown_service(tmp_path: Path) -> None:
    result = runner.invoke(app, ["migrate", "billing", "--var-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "unknown service" in result.output
