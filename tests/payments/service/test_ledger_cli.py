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
