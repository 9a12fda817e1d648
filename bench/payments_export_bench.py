"""Measure the auditor ledger export: rows per second and peak Python memory, plus offline verification.

Run with `.venv/bin/python bench/payments_export_bench.py [entries] [database-url]`; the defaults are 200000
entries in a temporary SQLite file. Pass `postgresql+psycopg://postgres@127.0.0.1:5432/carrots_bench` to
measure on PostgreSQL (the database is dropped and recreated).
"""

import asyncio
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, insert

from services.payments.audit.service import stream_export
from services.payments.domain.tamper.chain import GENESIS_HASH, compute_record_hash
from services.payments.domain.tamper.checkpoints import export_public_key_pem, sign_checkpoint
from services.payments.domain.tamper.verify import ExportFormat, verify_ledger_export
from services.payments.ledger.chain import entry_body
from services.payments.ledger.models import Account, Checkpoint, Entry, Transfer
from shared.db import make_engine, make_sessionmaker, sync_url
from shared.migrations import upgrade_to_head

MIGRATIONS = Path(__file__).resolve().parent.parent / "services" / "payments" / "migrations"
PARTNER = "DE"
BATCH = 10_000


def prepare_database(url: str) -> None:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    upgrade_to_head(MIGRATIONS, url)


def seed(url: str, entries: int, key: Ed25519PrivateKey, partner: str = PARTNER) -> None:
    """Write `entries` chained entries (pairs of balanced transfers) straight into the database."""
    now = datetime.now(UTC)
    engine = create_engine(sync_url(url))
    accounts = [
        {
            "id": f"acct-{partner}-{n}",
            "partner_id": partner,
            "currency": "USD",
            "kind": kind,
            "balance_minor": 0,
            "created_at": now,
        }
        for n, kind in enumerate(("programme_liability", "beneficiary_payable"))
    ]
    seq, prev = 0, GENESIS_HASH
    with engine.begin() as conn:
        conn.execute(insert(Account), accounts)
        for start in range(0, entries // 2, BATCH):
            transfers, rows = [], []
            for t in range(start, min(start + BATCH, entries // 2)):
                transfer_id = f"t-{t}"
                transfers.append(
                    {
                        "id": transfer_id,
                        "partner_id": partner,
                        "kind": "release",
                        "memo": "bench",
                        "created_by": "bench",
                        "created_at": now,
                    }
                )
                for account, amount in ((f"acct-{partner}-0", 1_000 + t), (f"acct-{partner}-1", -(1_000 + t))):
                    seq += 1
                    entry_id = f"e-{seq}"
                    body = entry_body(
                        entry_id=entry_id,
                        partner_id=partner,
                        transfer_id=transfer_id,
                        transfer_kind="release",
                        account_id=account,
                        currency="USD",
                        amount_minor=amount,
                        created_at=now,
                    )
                    digest = compute_record_hash(seq, prev, body)
                    rows.append(
                        {
                            "id": entry_id,
                            "partner_id": partner,
                            "transfer_id": transfer_id,
                            "transfer_kind": "release",
                            "account_id": account,
                            "currency": "USD",
                            "amount_minor": amount,
                            "seq": seq,
                            "prev_hash": prev,
                            "hash": digest,
                            "created_at": now,
                        }
                    )
                    prev = digest
            conn.execute(insert(Transfer), transfers)
            conn.execute(insert(Entry), rows)
        checkpoint = sign_checkpoint(key, partner, seq, prev, now.isoformat(timespec="seconds"), "bench")
        conn.execute(
            insert(Checkpoint),
            [
                {
                    "partner_id": partner,
                    "seq": seq,
                    "head_hash": prev,
                    "signed_at": checkpoint.signed_at,
                    "key_id": "bench",
                    "signature": checkpoint.signature,
                }
            ],
        )
    engine.dispose()


async def export(url: str, fmt: ExportFormat, target: Path, *, trace: bool) -> tuple[float, int]:
    """Write one export; with `trace`, measure peak Python memory (tracemalloc slows the run, so it is separate)."""
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with target.open("wb") as out:
        async for chunk in stream_export(maker, PARTNER, fmt):
            out.write(chunk)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    await engine.dispose()
    return elapsed, peak


def main() -> None:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as folder:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite+aiosqlite:///{folder}/bench.db"
        key = Ed25519PrivateKey.generate()
        prepare_database(url)
        started = time.perf_counter()
        seed(url, entries, key)
        print(f"seeded {entries} chained entries in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        for fmt in (ExportFormat.jsonl, ExportFormat.csv):
            target = Path(folder) / f"ledger.{fmt.value}"
            elapsed, _ = asyncio.run(export(url, fmt, target, trace=False))
            _, peak = asyncio.run(export(url, fmt, target, trace=True))
            size = target.stat().st_size / 2**20
            print(
                f"export {fmt.value:5}: {entries / elapsed:,.0f} rows/s, {elapsed:.1f} s, "
                f"peak Python memory {peak / 2**20:.1f} MiB, file {size:.0f} MiB"
            )
        pem = export_public_key_pem(key.public_key()).encode()
        started = time.perf_counter()
        report = verify_ledger_export(Path(folder) / "ledger.jsonl", pem)
        elapsed = time.perf_counter() - started
        print(f"verify     : {entries / elapsed:,.0f} rows/s, {elapsed:.1f} s, ok={report.ok}")


if __name__ == "__main__":
    main()
