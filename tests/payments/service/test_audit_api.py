"""Auditor access: mandated, read-only views, streaming exports and tamper evidence."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import anyio
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.audit import repository as audit_repository
from services.payments.audit import service as audit_service
from services.payments.audit.repository import ExportRow
from services.payments.audit.service import record_of
from services.payments.domain.tamper.chain import compute_record_hash
from services.payments.domain.tamper.export_rows import ExportFormat
from services.payments.domain.tamper.verify import ProblemKind, VerificationReport, verify_ledger_export
from services.payments.ledger.chain import entry_body
from services.payments.ledger.models import Entry
from shared.db import make_sessionmaker
from shared.tenancy import scope_to_tenant
from shared.worker import Worker
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens, backend, serve
from tests.payments.service.helpers import auditor, officer, open_funding, with_key


async def book_contributions(payments: Harness, headers: dict[str, str], amounts: list[int]) -> dict[str, str]:
    funding = await open_funding(payments, headers, "USD", 0)
    for amount in amounts:
        body = {"funding_account_id": funding["id"], "amount_minor": amount, "reference": f"c{amount}"}
        assert (
            await payments.client.post("/v1/contributions", json=body, headers=with_key(headers))
        ).status_code == 201
    return funding


async def sign_head(payments: Harness, headers: dict[str, str]) -> None:
    assert (await payments.client.post("/v1/ledger/checkpoints", headers=headers)).status_code == 200


async def export_and_verify(payments: Harness, tokens: Tokens, tmp_path: Path) -> VerificationReport:
    export = await payments.client.get("/v1/audit/partners/DE/export", headers=auditor(tokens, "DE"))
    assert export.status_code == 200
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(export.content)
    key = (await payments.client.get("/v1/ledger/checkpoint-key")).json()["public_key_pem"]
    return verify_ledger_export(path, key.encode())


async def tamper(payments: Harness, statement: str, **params: object) -> None:
    """Change the database behind the service's back, as an attacker with database access would."""
    async with payments.app.state.engine.begin() as conn:
        if backend() == "postgresql":
            # Only a superuser can switch triggers off; the append-only trigger stops everyone else.
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(statement), params)


async def test_auditors_see_only_the_partners_they_are_mandated_for(payments: Harness, tokens: Tokens) -> None:
    await book_contributions(payments, officer(tokens), [100])
    assert (
        await payments.client.get("/v1/audit/partners/DE/entries", headers=auditor(tokens, "DE"))
    ).status_code == 200
    assert (
        await payments.client.get("/v1/audit/partners/DE/entries", headers=auditor(tokens, "FR"))
    ).status_code == 404
    partner = await payments.client.get("/v1/audit/partners/DE/entries", headers=officer(tokens))
    assert partner.status_code == 403


async def test_entries_page_by_cursor_and_filter(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await book_contributions(payments, headers, [100, 200, 300])
    await book_contributions(payments, officer(tokens, "FR"), [999])
    seen: list[dict[str, object]] = []
    params: dict[str, str | int] = {"limit": 2}
    while True:
        page = (
            await payments.client.get("/v1/audit/partners/DE/entries", params=params, headers=auditor(tokens, "DE"))
        ).json()
        seen += page["items"]
        if not page["next_cursor"]:
            break
        params["after"] = page["next_cursor"]
    assert [e["seq"] for e in seen] == [1, 2, 3, 4, 5, 6]
    assert {e["partner_id"] for e in seen} == {"DE"}
    only_funding = await payments.client.get(
        "/v1/audit/partners/DE/entries", params={"account_id": funding["id"]}, headers=auditor(tokens, "DE")
    )
    assert [e["amount_minor"] for e in only_funding.json()["items"]] == [100, 200, 300]
    none_in_eur = await payments.client.get(
        "/v1/audit/partners/DE/entries", params={"currency": "EUR"}, headers=auditor(tokens, "DE")
    )
    assert none_in_eur.json()["items"] == []
    later = await payments.client.get(
        "/v1/audit/partners/DE/entries", params={"since": "2100-01-01T00:00:00Z"}, headers=auditor(tokens, "DE")
    )
    assert later.json()["items"] == []


async def test_the_trial_balance_balances_per_currency(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    await book_contributions(payments, headers, [100, 250])
    funding_eur = await open_funding(payments, headers, "EUR", 70)
    balance = (await payments.client.get("/v1/audit/partners/DE/trial-balance", headers=auditor(tokens, "DE"))).json()
    by_currency = {c["currency"]: c for c in balance["currencies"]}
    assert (by_currency["USD"]["debits_minor"], by_currency["USD"]["credits_minor"]) == (350, 350)
    assert (by_currency["EUR"]["debits_minor"], by_currency["EUR"]["credits_minor"]) == (70, 70)
    assert all(c["balanced"] for c in balance["currencies"])
    assert funding_eur["id"] in {a["account_id"] for a in by_currency["EUR"]["accounts"]}


async def test_an_account_statement_has_opening_and_closing_balances(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await book_contributions(payments, headers, [100, 200])
    statement = (
        await payments.client.get(
            f"/v1/audit/partners/DE/accounts/{funding['id']}/statement", headers=auditor(tokens, "DE")
        )
    ).json()
    assert (statement["opening_minor"], statement["closing_minor"]) == (0, 300)
    assert [e["amount_minor"] for e in statement["entries"]] == [100, 200]
    since = statement["entries"][1]["created_at"]
    later = (
        await payments.client.get(
            f"/v1/audit/partners/DE/accounts/{funding['id']}/statement",
            params={"since": since},
            headers=auditor(tokens, "DE"),
        )
    ).json()
    assert (later["opening_minor"], later["closing_minor"]) == (100, 300)


async def test_the_balance_check_finds_a_stored_balance_that_drifted(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await book_contributions(payments, headers, [100])
    url = "/v1/audit/partners/DE/balance-check"
    assert (await payments.client.get(url, headers=auditor(tokens, "DE"))).json()["ok"] is True
    await tamper(payments, "UPDATE accounts SET balance_minor = 5000 WHERE id = :id", id=funding["id"])
    check = (await payments.client.get(url, headers=auditor(tokens, "DE"))).json()
    assert check["ok"] is False
    assert [line["account_id"] for line in check["accounts"] if not line["ok"]] == [funding["id"]]


async def test_the_csv_export_has_one_row_per_entry(payments: Harness, tokens: Tokens) -> None:
    await book_contributions(payments, officer(tokens), [100, 200])
    export = await payments.client.get(
        "/v1/audit/partners/DE/export", params={"format": "csv"}, headers=auditor(tokens, "DE")
    )
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [int(r["seq"]) for r in rows] == [1, 2, 3, 4]
    assert sum(int(r["amount_minor"]) for r in rows) == 0


async def test_the_export_is_byte_for_byte_the_record_definition(payments: Harness, tokens: Tokens) -> None:
    await book_contributions(payments, officer(tokens), [100, 200])
    # Odd but valid rows: an early year, a whole second, another zone, text that JSON must escape.
    odd = [
        ("odd-1", datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), 5),
        ('odd-"2"\\ счёт \u2028', datetime(2026, 12, 6, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))), 6),
    ]
    for entry_id, created_at, seq in odd:
        await tamper(
            payments,
            "INSERT INTO entries (id, partner_id, transfer_id, transfer_kind, account_id, currency, amount_minor, seq,"
            " prev_hash, hash, created_at) SELECT :id, partner_id, transfer_id, transfer_kind, account_id, currency,"
            " amount_minor, :seq, prev_hash, hash, :created_at FROM entries WHERE seq = 1 AND partner_id = 'DE'",
            id=entry_id,
            seq=seq,
            created_at=created_at,
        )
    export = await payments.client.get("/v1/audit/partners/DE/export", headers=auditor(tokens, "DE"))
    async with make_sessionmaker(payments.app.state.engine)() as session:
        scope_to_tenant(session, "DE")
        entries = (await session.execute(select(Entry).order_by(Entry.seq))).scalars().all()
    expected = "".join(json.dumps(record_of(e), separators=(",", ":"), ensure_ascii=False) + "\n" for e in entries)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert export.content == expected.encode()


async def test_an_untouched_ledger_export_verifies(payments: Harness, tokens: Tokens, tmp_path: Path) -> None:
    headers = officer(tokens)
    await book_contributions(payments, headers, [100, 200, 300])
    await sign_head(payments, headers)
    report = await export_and_verify(payments, tokens, tmp_path)
    assert report.ok, report.to_text()
    assert (report.records_checked, report.anchored_seq) == (6, 6)
    checkpoints = await payments.client.get("/v1/audit/partners/DE/checkpoints", headers=auditor(tokens, "DE"))
    assert [c["seq"] for c in checkpoints.json()] == [6]


async def test_an_entry_edited_in_the_database_is_found(payments: Harness, tokens: Tokens, tmp_path: Path) -> None:
    headers = officer(tokens)
    await book_contributions(payments, headers, [100, 200, 300])
    await sign_head(payments, headers)
    await tamper(payments, "UPDATE entries SET amount_minor = 900 WHERE seq = 3 AND partner_id = 'DE'")
    report = await export_and_verify(payments, tokens, tmp_path)
    assert (ProblemKind.EDITED, 3) in {(p.kind, p.seq) for p in report.problems}


async def test_an_entry_removed_from_the_database_is_found(payments: Harness, tokens: Tokens, tmp_path: Path) -> None:
    headers = officer(tokens)
    await book_contributions(payments, headers, [100, 200, 300])
    await sign_head(payments, headers)
    await tamper(payments, "DELETE FROM entries WHERE seq = 3 AND partner_id = 'DE'")
    report = await export_and_verify(payments, tokens, tmp_path)
    assert {(p.kind, p.seq) for p in report.problems} == {(ProblemKind.REMOVED, 3)}


async def test_an_entry_inserted_into_the_database_is_found(payments: Harness, tokens: Tokens, tmp_path: Path) -> None:
    headers = officer(tokens)
    await book_contributions(payments, headers, [100, 200, 300])
    await sign_head(payments, headers)
    # Renumber the tail to make room, then slip in a forged entry at seq 3 with a well-formed hash.
    await tamper(payments, "UPDATE entries SET seq = seq + 1000 WHERE seq >= 3 AND partner_id = 'DE'")
    await tamper(payments, "UPDATE entries SET seq = seq - 999 WHERE seq >= 1003 AND partner_id = 'DE'")
    page = await payments.client.get("/v1/audit/partners/DE/entries", headers=auditor(tokens, "DE"))
    second = next(e for e in page.json()["items"] if e["seq"] == 2)
    fields = {k: second[k] for k in ("transfer_id", "transfer_kind", "account_id", "currency")}
    created_at = datetime.fromisoformat(second["created_at"])
    body = entry_body(entry_id="forged", partner_id="DE", amount_minor=5, created_at=created_at, **fields)
    forged_hash = compute_record_hash(3, second["hash"], body)
    await tamper(
        payments,
        "INSERT INTO entries (id, partner_id, transfer_id, transfer_kind, account_id, currency, amount_minor, seq,"
        " prev_hash, hash, created_at) VALUES ('forged', 'DE', :transfer_id, :transfer_kind, :account_id, :currency,"
        " 5, 3, :prev_hash, :hash, :created_at)",
        prev_hash=second["hash"],
        hash=forged_hash,
        created_at=created_at,
        **fields,
    )
    report = await export_and_verify(payments, tokens, tmp_path)
    assert {(p.kind, p.seq) for p in report.problems} == {(ProblemKind.INSERTED, 3)}


async def test_a_truncated_ledger_is_found_from_its_checkpoint(
    payments: Harness, tokens: Tokens, tmp_path: Path
) -> None:
    headers = officer(tokens)
    await book_contributions(payments, headers, [100, 200, 300])
    await sign_head(payments, headers)
    await tamper(payments, "DELETE FROM entries WHERE seq > 4 AND partner_id = 'DE'")
    report = await export_and_verify(payments, tokens, tmp_path)
    assert {(p.kind, p.seq) for p in report.problems} == {(ProblemKind.TRUNCATED, 5)}


async def test_the_export_verifies_with_the_command_line(payments: Harness, tokens: Tokens, tmp_path: Path) -> None:
    headers = officer(tokens)
    await book_contributions(payments, headers, [100])
    await sign_head(payments, headers)
    report = await export_and_verify(payments, tokens, tmp_path)
    lines = (tmp_path / "ledger.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["type"] == "checkpoint"
    assert report.ok


async def test_chain_heads_are_signed_by_the_worker_not_by_the_api(starter: AppStarter, tokens: Tokens) -> None:
    app, _ = starter.create("payments", checkpoint_interval_seconds=0.05)
    async with serve(app) as client:
        harness = Harness("payments", app, client, app.state.settings, "")
        await book_contributions(harness, officer(tokens), [100])
        await anyio.sleep(0.2)
        path = "/v1/audit/partners/DE/checkpoints"
        assert (await client.get(path, headers=auditor(tokens, "DE"))).json() == []
        assert await Worker(app, worker_id="w1").run_due_schedules() == 4  # with pruning and the key purge
        checkpoints = (await client.get(path, headers=auditor(tokens, "DE"))).json()
    assert [c["seq"] for c in checkpoints] == [2]


async def test_the_export_asks_for_the_next_batch_before_it_renders_this_one(
    payments: Harness, tokens: Tokens, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await book_contributions(payments, officer(tokens), [100, 200, 300, 400])  # 8 entries
    whole = await payments.client.get("/v1/audit/partners/DE/export", headers=auditor(tokens, "DE"))
    monkeypatch.setattr(audit_service, "EXPORT_BATCH", 3)
    asked: list[int] = []
    fetch = audit_repository.export_rows_after

    async def recording(session: AsyncSession, partner_id: str, after_seq: int, limit: int) -> list[ExportRow]:
        asked.append(after_seq)
        return await fetch(session, partner_id, after_seq, limit)

    monkeypatch.setattr(audit_repository, "export_rows_after", recording)
    maker = make_sessionmaker(payments.app.state.engine)
    chunks: list[bytes] = []
    asked_by_first_batch: list[int] | None = None
    async for chunk in audit_service.stream_export(maker, "DE", ExportFormat.jsonl):
        chunks.append(chunk)
        if asked_by_first_batch is None and b'"type":"record"' in chunk:
            asked_by_first_batch = list(asked)
    # When the first batch is handed out to be rendered, the second one is already asked for.
    assert asked_by_first_batch == [0, 3]
    assert asked == [0, 3, 6]  # the last batch is short: nothing more is asked
    assert b"".join(chunks) == whole.content
    # A client that leaves after the first batch leaves no query behind and the connection usable.
    stream = audit_service.stream_export(maker, "DE", ExportFormat.jsonl)
    async for chunk in stream:
        if b'"type":"record"' in chunk:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    again = await payments.client.get("/v1/audit/partners/DE/export", headers=auditor(tokens, "DE"))
    assert again.content == whole.content
