from __future__ import annotations

import re
from pathlib import Path

import jwt
import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from carrots import cli
from carrots.cli import app
from carrots.state import remember_running_system
from shared.devkeys import dev_signing_key_path, ensure_dev_public_key, ensure_dev_signing_key

runner = CliRunner()


def test_every_command_explains_itself_with_help() -> None:
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    for command in ("up", "worker", "migrate", "revision", "token", "ledger", "testimony", "eligibility", "asylum"):
        assert command in top.output
        sub = runner.invoke(app, [command, "--help"])
        assert sub.exit_code == 0, sub.output
        assert "Usage" in sub.output


def test_token_issue_signs_a_token_the_services_accept(tmp_path: Path) -> None:
    ensure_dev_signing_key(tmp_path)
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


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "state"
    monkeypatch.setenv("CARROTS_STATE_DIR", str(folder))
    return folder


def test_token_issue_uses_the_keys_of_the_running_system_from_any_folder(
    tmp_path: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = tmp_path / "elsewhere" / "var"
    ensure_dev_signing_key(running)
    remember_running_system(running, {})
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["token", "issue", "--org", "DE", "--scope", "applicants:read"])
    assert result.exit_code == 0, result.output
    public = ensure_dev_public_key(running).read_bytes()
    assert jwt.decode(result.output.strip(), public, algorithms=["EdDSA"], audience="carrots")["org"] == "DE"
    assert not (tmp_path / "var").exists()


def test_token_issue_without_a_key_says_why_and_creates_none(
    tmp_path: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["token", "issue", "--org", "DE"])
    assert result.exit_code == 1
    assert "no development signing key" in result.output
    assert "carrots up" in result.output
    assert not dev_signing_key_path(tmp_path / "var").exists()


def test_an_unreachable_service_is_one_line_and_exit_status_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    upload = tmp_path / "people.csv"
    upload.write_text("category\nconscript\n")
    argv = ["carrots", "eligibility", "intake", str(upload), "--token", "t", "--url", "http://127.0.0.1:9"]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("carrots: cannot reach http://127.0.0.1:9/v1/intake-jobs")
    assert "Traceback" not in err


def test_a_missing_file_is_one_line_and_exit_status_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["carrots", "ledger", "verify", str(tmp_path / "export.jsonl"), "--public-key", str(tmp_path / "k.pem")]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code != 0
    assert "Traceback" not in capsys.readouterr().err


def test_the_command_line_starts_without_the_web_stack_the_orm_or_the_services() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, carrots.cli; print(sorted(m for m in ('fastapi', 'sqlalchemy', 'services') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["ledger", "verify", "--help"], "carrots.commands.payments"),
        (["token", "issue", "--help"], "carrots.commands.token"),
        (["keys", "status", "--help"], "carrots.commands.keys"),
    ],
)
def test_a_command_imports_its_own_module_and_no_other_command(argv: list[str], module: str) -> None:
    import subprocess
    import sys

    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith('carrots.commands.'))))\n"
        f"sys.argv = ['carrots', *{argv!r}]\n"
        "from carrots.cli import main\n"
        "main()\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[-1] == repr([module])


def test_the_overview_lists_every_command_although_each_loads_lazily() -> None:
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    listed = re.findall(r"^│ (\w[\w-]*) ", top.output, flags=re.MULTILINE)
    assert listed == list(cli.COMMANDS)
