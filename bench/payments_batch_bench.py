"""`python -m bench.payments_batch_bench`: contribution batches over HTTP beside a raw psycopg ceiling.

Starts payments as a real uvicorn process on its own PostgreSQL database (dropped after), opens ten funding
accounts (hot rows: every transfer of the run lands on one of them), and posts batches of contributions one
after another, each under its own Idempotency-Key. In the same run, on the same database, schema, triggers
and indexes, the ceiling books the same transfers for another partner with a minimal psycopg script: the
chain head and the accounts locked, the same hash chain, then one COPY per table (transfers, entries,
contributions, audit entries, events) and one balance update per account. The ceiling skips what
only the service does: authentication, validation, encryption of references, idempotency, the response.
Prints transfers per second for both, their ratio, the CPU each spends per transfer in its own process and in
the PostgreSQL backends serving it, and the rate that CPU allows one request at a time on an idle machine
(10^6 / (process µs + PostgreSQL µs)): wall-clock rates on a loaded 2-core machine mostly measure the load,
the CPU per transfer does not. Ends with the auditor's balance check.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.types.json import Jsonb

from bench.served.stack import Databases, Server, cpu_seconds, running
from services.payments.domain.tamper.chain import GENESIS_HASH
from services.payments.domain.tamper.digest import record_digest
from services.payments.ledger.chain import entry_body
from services.payments.ledger.repository import ENTRY_COLUMNS
from shared.auth import CallerKind, issue_token
from shared.devkeys import ensure_dev_signing_key
from shared.ids import new_ids

PG_ADMIN_URL = os.environ.get("CARROTS_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PARTNER = "AU"  # the partner the bench auditor (bench/served/stack.py) is mandated for
CEILING_PARTNER = "CEILING"
HOT_ACCOUNTS = 10


@dataclass(frozen=True)
class Figure:
    transfers: int
    seconds: float
    cpu_seconds: float
    db_cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds

    @property
    def cpu_us(self) -> float:
        return 1e6 * self.cpu_seconds / self.transfers

    @property
    def db_cpu_us(self) -> float:
        return 1e6 * self.db_cpu_seconds / self.transfers

    @property
    def cpu_rate(self) -> float:
        """Transfers per second the measured CPU allows, one request at a time, on an idle machine."""
        return 1e6 / (self.cpu_us + self.db_cpu_us)


class Backends:
    """CPU of the PostgreSQL backends serving one database (connections opened later count from zero)."""

    def __init__(self, database_url: str) -> None:
        self.name = database_url.rsplit("/", 1)[1]
        self.start = self._read()

    def _read(self) -> dict[int, float]:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.name,))]
        readings: dict[int, float] = {}
        for pid in pids:
            try:
                readings[pid] = cpu_seconds(pid)
            except OSError:  # gone, or another user's process on a remote server
                continue
        return readings

    def used(self) -> float:
        """CPU seconds the database's backends used since this object was made."""
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self._read().items())


CONTRIBUTION_COLUMNS = (
    "id",
    "partner_id",
    "funding_account_id",
    "currency",
    "amount_minor",
    "transfer_id",
    "created_at",
)
AUDIT_COLUMNS = (
    "at",
    "actor_org",
    "actor_kind",
    "actor_subject",
    "action",
    "resource_type",
    "resource_id",
    "partner_id",
)


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """A plain parameterised INSERT of one row."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


def run_service(server: Server, var_dir: Path, batches: int, size: int) -> tuple[Figure, bool]:
    """Post `batches` batches of `size` contributions; the figure and whether the balance check passed."""
    key = ensure_dev_signing_key(var_dir)

    def headers(org: str, kind: CallerKind, *scopes: str, mandates: tuple[str, ...] = ()) -> dict[str, str]:
        token = issue_token(
            key, org=org, kind=kind, scopes=scopes, subject=f"bench@{org}", ttl_seconds=7200, mandates=mandates
        )
        return {"Authorization": f"Bearer {token}"}

    partner = headers(PARTNER, CallerKind.partner, "ledger:write", "ledger:read")
    with httpx.Client(base_url=server.url, timeout=300) as http:
        accounts = []
        for _ in range(HOT_ACCOUNTS):
            opened = http.post("/v1/accounts", json={"currency": "USD", "kind": "funding"}, headers=partner)
            opened.raise_for_status()
            accounts.append(opened.json()["id"])

        def body(batch: int) -> bytes:
            items = [
                {
                    "funding_account_id": accounts[n % HOT_ACCOUNTS],
                    "amount_minor": 100 + n,
                    "reference": f"b{batch}-{n}",
                }
                for n in range(size)
            ]
            return json.dumps({"items": items}).encode()

        def post(batch: int) -> None:
            answer = http.post(
                "/v1/contribution-batches",
                content=body(batch),
                headers={**partner, "Content-Type": "application/json", "Idempotency-Key": f"bench-{batch}"},
            )
            if answer.status_code != 200 or answer.json()["booked"] != size:
                raise RuntimeError(f"batch {batch}: {answer.status_code} {answer.text[:300]}")

        post(-1)  # warm-up: first key of the partner, statement caches
        backends = Backends(server.database_url)
        cpu_before, started = server.cpu(), time.perf_counter()
        for batch in range(batches):
            post(batch)
        seconds, cpu = time.perf_counter() - started, server.cpu() - cpu_before
        figure = Figure(batches * size, seconds, cpu, backends.used())
        auditor = headers("AUDIT-FIRM", CallerKind.auditor, "ledger:audit", mandates=(PARTNER,))
        check = http.get(f"/v1/audit/partners/{PARTNER}/balance-check", headers=auditor)
        return figure, check.status_code == 200 and check.json()["ok"] is True


def run_ceiling(database_url: str, batches: int, size: int) -> Figure:
    """The same transfers booked by a minimal psycopg script on the same tables (another partner)."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        now = datetime.now(UTC)
        accounts = [str(uuid.uuid4()) for _ in range(HOT_ACCOUNTS)]
        liability = str(uuid.uuid4())
        conn.cursor().executemany(
            insert_sql("accounts", ("id", "partner_id", "currency", "kind", "balance_minor", "created_at")),
            [(a, CEILING_PARTNER, "USD", "funding", 0, now) for a in accounts]
            + [(liability, CEILING_PARTNER, "USD", "programme_liability", 0, now)],
        )
        conn.execute(
            "INSERT INTO chain_heads (id, partner_id, seq, hash) VALUES (%s, %s, 0, %s)",
            (CEILING_PARTNER, CEILING_PARTNER, GENESIS_HASH),
        )
        conn.commit()
        backend = conn.info.backend_pid
        db_before, cpu_before, started = cpu_seconds(backend), time.process_time(), time.perf_counter()
        for batch in range(batches):
            book_ceiling_batch(conn, accounts, liability, batch, size)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_before
        return Figure(batches * size, seconds, cpu, cpu_seconds(backend) - db_before)


def book_ceiling_batch(
    conn: psycopg.Connection[Any], accounts: list[str], liability: str, batch: int, size: int
) -> None:
    with conn.transaction():
        seq, head = conn.execute(
            "SELECT seq, hash FROM chain_heads WHERE id = %s FOR UPDATE", (CEILING_PARTNER,)
        ).fetchone() or (0, GENESIS_HASH)
        conn.execute(
            "SELECT id, balance_minor FROM accounts WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            ([*accounts, liability],),
        ).fetchall()
        now = datetime.now(UTC)
        transfers, entries, contributions, audit, events = [], [], [], [], []
        moved: dict[str, int] = {}
        ids = iter(new_ids(5 * size))  # the service's kind of id (UUIDv7, appended to the key indexes)
        for n in range(size):
            funding, amount = accounts[n % HOT_ACCOUNTS], 100 + n
            transfer_id, contribution_id = next(ids), next(ids)
            transfers.append((transfer_id, CEILING_PARTNER, "contribution", "contribution", "bench", now))
            for account, leg in ((funding, amount), (liability, -amount)):
                seq += 1
                entry_id = next(ids)
                body = entry_body(
                    entry_id=entry_id,
                    partner_id=CEILING_PARTNER,
                    transfer_id=transfer_id,
                    transfer_kind="contribution",
                    account_id=account,
                    currency="USD",
                    amount_minor=leg,
                    created_at=now,
                )
                entry_hash = record_digest(seq, head, body)
                entries.append(
                    (
                        entry_id,
                        CEILING_PARTNER,
                        transfer_id,
                        "contribution",
                        account,
                        "USD",
                        leg,
                        seq,
                        head,
                        entry_hash,
                        now,
                    )
                )
                head = entry_hash
                moved[account] = moved.get(account, 0) + leg
            contributions.append((contribution_id, CEILING_PARTNER, funding, "USD", amount, transfer_id, now))
            audit.append(
                (
                    now,
                    CEILING_PARTNER,
                    "partner",
                    "bench",
                    "contribution.recorded",
                    "contribution",
                    contribution_id,
                    CEILING_PARTNER,
                )
            )
            event_id = next(ids)
            payload = {
                "id": event_id,
                "type": "payments.contribution.recorded",
                "source": "payments",
                "partner_id": CEILING_PARTNER,
                "occurred_at": now.isoformat(),
                "data": {"resource_type": "contribution", "resource_id": contribution_id},
            }
            events.append((event_id, "payments.contribution.recorded", CEILING_PARTNER, Jsonb(payload), now))
        cur = conn.cursor()
        for table, columns, rows in (
            ("transfers", ("id", "partner_id", "kind", "memo", "created_by", "created_at"), transfers),
            ("entries", ENTRY_COLUMNS, entries),
            ("contributions", CONTRIBUTION_COLUMNS, contributions),
            ("audit_log", AUDIT_COLUMNS, audit),
            ("outbox_events", ("event_id", "type", "partner_id", "payload", "created_at"), events),
        ):
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for account in sorted(moved):
            conn.execute(
                "UPDATE accounts SET balance_minor = balance_minor + %s WHERE id = %s", (moved[account], account)
            )
        conn.execute("UPDATE chain_heads SET seq = %s, hash = %s WHERE id = %s", (seq, head, CEILING_PARTNER))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.payments_batch_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=20, help="batches per side (default 20)")
    parser.add_argument("--size", type=int, default=1000, help="contributions per batch, at most 1000 (default 1000)")
    args = parser.parse_args(argv)
    databases = Databases(PG_ADMIN_URL)
    try:
        with tempfile.TemporaryDirectory(prefix="carrots-batch-") as tmp:
            ceiling_url = databases.create("ceiling")
            with running(["payments"], databases, Path(tmp), ceiling_url) as servers:
                payments = servers["payments"]
                service, balanced = run_service(payments, Path(tmp), args.batches, args.size)
                ceiling = run_ceiling(payments.database_url, args.batches, args.size)
    finally:
        databases.drop_all()
    load = os.getloadavg()
    print(
        f"{args.batches} batches of {args.size} contributions, 1 connection, {HOT_ACCOUNTS} hot funding accounts; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs\n"
    )
    print(
        "| operation | carrots transfers/s | ceiling transfers/s | ratio "
        "| carrots CPU µs per transfer (process + PostgreSQL) | ceiling CPU µs per transfer (process + PostgreSQL) "
        "| carrots / ceiling transfers/s the CPU allows |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| contribution batch over HTTP | {service.rate:,.0f} | {ceiling.rate:,.0f} "
        f"| {service.rate / ceiling.rate:.2f} | {service.cpu_us:,.0f} + {service.db_cpu_us:,.0f} "
        f"| {ceiling.cpu_us:,.0f} + {ceiling.db_cpu_us:,.0f} | {service.cpu_rate:,.0f} / {ceiling.cpu_rate:,.0f} |"
    )
    print(f"\nauditor's balance check after the run: {'ok' if balanced else 'FAILED'}")
    if not balanced:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
