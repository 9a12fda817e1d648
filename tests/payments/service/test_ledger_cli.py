"""`carrots ledger` commands: offline verification, the stipend run and checkpoint signing."""

import json
from datetime import date
from pathlib import Path

import anyio.to_thread
import pytest
from typer.testing import CliRunner, Result

from carrots.commands.payments import app
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import approve_applicant, auditor, obligations_of, officer, open_funding


async def invoke(*args: str) -> Result:
    # The commands call asyncio.run, so they run in a thread beside the test's event loop.
    return await anyio.to_thread.run_sync(lambda: CliRunner().invoke(app, list(args)))


@pytest.fixture
def payments_env(payments: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("PAYMENTS_DATABASE_URL", payments.database_url)
    monkeypatch.setenv("PAYMENTS_VAR_DIR", str(payments.settings.var_dir))
    monkeypatch.setenv("PAYMENTS_ENVIRONMENT", "test")
    return payments


async def test_verify_accepts_an_intact_export_and_rejects_an_edited_one(
    payments_env: Harness, tokens: Tokens, tmp_path: Path
) -> None:
    payments = payments_env
    await open_funding(payments, officer(tokens), "USD", 500)
    assert (await invoke("checkpoint")).stdout.strip() == "signed 1 checkpoint(s)"
    export = tmp_path / "ledger.jsonl"
    export.write_bytes(
        (await payments.client.get("/v1/audit/partners/DE/export", headers=auditor(tokens, "DE"))).content
    )
    key = tmp_path / "key.pem"
    key.write_text((await payments.client.get("/v1/ledger/checkpoint-key")).json()["public_key_pem"])
    intact = await invoke("verify", str(export), "--public-key", str(key))
    assert intact.exit_code == 0, intact.stdout
    assert intact.stdout.strip().endswith("OK")
    lines = export.read_text().splitlines()
    record = json.loads(lines[1])
    record["body"]["amount_minor"] = 5
    export.write_text("\n".join([lines[0], json.dumps(record), *lines[2:]]) + "\n")
    edited = await invoke("verify", str(export), "--public-key", str(key))
    assert edited.exit_code == 1
    assert "edited at seq 1" in edited.stdout


async def saved_csv_export(payments: Harness, tokens: Tokens, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A ledger of four entries, one checkpoint, and three more entries: the CSV export, key and checkpoints."""
    headers = officer(tokens)
    await open_funding(payments, headers, "USD", 500)
    assert (await invoke("checkpoint")).stdout.strip() == "signed 1 checkpoint(s)"
    await open_funding(payments, headers, "EUR", 700)
    audit = auditor(tokens, "DE")
    export = tmp_path / "ledger.csv"
    answer = await payments.client.get("/v1/audit/partners/DE/export", params={"format": "csv"}, headers=audit)
    export.write_bytes(answer.content)
    key = tmp_path / "key.pem"
    key.write_text((await payments.client.get("/v1/ledger/checkpoint-key")).json()["public_key_pem"])
    checkpoints = tmp_path / "checkpoints.json"
    checkpoints.write_bytes((await payments.client.get("/v1/audit/partners/DE/checkpoints", headers=audit)).content)
    return export, key, checkpoints


async def test_an_untouched_csv_export_verifies(payments_env: Harness, tokens: Tokens, tmp_path: Path) -> None:
    export, key, checkpoints = await saved_csv_export(payments_env, tokens, tmp_path)
    alone = await invoke("verify", str(export), "--public-key", str(key))
    assert alone.exit_code == 0, alone.stdout
    assert "reading a csv export" in alone.stdout
    assert "TAMPERED" not in alone.stdout
    assert "records checked: 4" in alone.stdout
    assert "pass the partner's checkpoint list" in alone.stdout
    assert alone.stdout.strip().endswith("OK")
    anchored = await invoke("verify", str(export), "--public-key", str(key), "--checkpoints", str(checkpoints))
    assert anchored.exit_code == 0, anchored.stdout
    assert "signed up to seq: 2" in anchored.stdout
    assert "records after seq 2 are not yet signed" in anchored.stdout


async def test_an_edited_or_cut_csv_export_is_found(payments_env: Harness, tokens: Tokens, tmp_path: Path) -> None:
    export, key, checkpoints = await saved_csv_export(payments_env, tokens, tmp_path)
    header, *rows = export.read_text().splitlines()
    first = rows[0].split(",")
    first[7] = "501"
    export.write_text("\n".join([header, ",".join(first), *rows[1:]]) + "\n")
    edited = await invoke("verify", str(export), "--public-key", str(key))
    assert edited.exit_code == 1
    assert "edited at seq 1" in edited.stdout
    export.write_text("\n".join([header, rows[0]]) + "\n")
    cut = await invoke("verify", str(export), "--public-key", str(key), "--checkpoints", str(checkpoints))
    assert cut.exit_code == 1
    assert "truncated at seq 2" in cut.stdout


async def test_a_file_that_is_no_ledger_export_is_named_as_such_not_tampered(tmp_path: Path) -> None:
    other = tmp_path / "ledger.xlsx"
    other.write_text("Sequence;Amount\n1;5\n")
    key = tmp_path / "key.pem"
    key.write_text("unused")
    result = await invoke("verify", str(other), "--public-key", str(key))
    assert result.exit_code == 2
    assert "TAMPERED" not in result.output
    assert "reads the JSON Lines or CSV ledger export" in result.output


async def test_the_stipend_run_releases_what_is_due_for_every_partner(payments_env: Harness, tokens: Tokens) -> None:
    payments = payments_env
    for partner in ("DE", "FR"):
        await approve_applicant(
            payments,
            partner_id=partner,
            applicant_id=f"s-{partner}",
            tranches=[],
            stipend=(100, 3),
            approved_on=date(2026, 1, 10),
        )
    result = await invoke("release-due", "--as-of", "2026-02-10")
    assert result.exit_code == 0, result.stdout
    assert "released 4 obligation(s)" in result.stdout
    for partner in ("DE", "FR"):
        statuses = [o["status"] for o in await obligations_of(payments, officer(tokens, partner), f"s-{partner}")]
        assert sorted(statuses) == ["due", "due", "waiting"]
