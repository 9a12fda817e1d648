"""Run the event-delivery benchmark: its own PostgreSQL databases, the receivers as uvicorn processes.

Phases, each on the same payloads (`asylum.case.opened` envelopes, as the outbox writes them):

- ceiling: a loop of 16 concurrent signed POSTs, one event each, over kept-alive connections, to a minimal
  receiver that checks the signature and inserts one inbox row (`bench/events/ceiling.py`);
- carrots: events published to a real outbox (`shared.outbox`) and delivered by its dispatcher to a consumer
  built from the shared event plumbing (`bench/events/receiver.py`), once per dispatcher variant.

Printed per phase: events/s, CPU per event of the sender (this process) and of the receiver (from /proc),
statements per event on each side, and the load average while it ran.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event, func, select

from bench.events import ceiling, receiver
from bench.served.stack import ROOT, Databases, cpu_seconds, free_port
from shared.config import Subscriber
from shared.db import make_engine, make_sessionmaker
from shared.outbox import EventPublisher, OutboxDispatcher
from shared.schemas.events import CaseOpened, EventEnvelope
from shared.servicekeys import PeerKeys, ServiceIdentity, SigningKey, public_pem
from shared.webhooks import sign_event

PG_ADMIN_URL = os.environ.get("CARROTS_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
CONCURRENCY = 16
# The dispatcher variants compared in one run: keyword arguments of `OutboxDispatcher`.
VARIANTS: dict[str, dict[str, Any]] = {
    "outbox, one event per request (before batching)": {"batch_size": 50, "events_per_request": 1, "lanes": 1},
    "outbox, signed batches of 100, one round at a time": {"lanes": 1},
    "outbox, signed batches of 100, two rounds in flight": {},
}


def _pg_cpu(names: list[str]) -> dict[int, float]:
    """CPU used so far by each PostgreSQL backend connected to the named databases (the server runs here)."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)", (names,))]
    cpu = {}
    for pid in pids:
        try:
            cpu[pid] = cpu_seconds(pid)
        except (FileNotFoundError, PermissionError):
            continue
    return cpu


class PgMeter:
    """PostgreSQL CPU spent for some databases between `start` and `stop` (backends that left are not counted)."""

    def __init__(self, urls: list[str]) -> None:
        self.names = [url.rsplit("/", 1)[1] for url in urls]
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = _pg_cpu(self.names)

    def stop(self) -> float:
        after = _pg_cpu(self.names)
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in after.items())


@dataclass(frozen=True)
class Figure:
    """One phase's outcome."""

    name: str
    events: int
    seconds: float
    sender_cpu: float
    receiver_cpu: float
    database_cpu: float
    sender_statements: int | None = None
    receiver_statements: int | None = None

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def row(self, ceiling_rate: float) -> str:
        def per_event(value: float | int | None, scale: float = 1.0, fmt: str = "{:.2f}") -> str:
            return "-" if value is None else fmt.format(value * scale / max(self.events, 1))

        total = self.sender_cpu + self.receiver_cpu + self.database_cpu
        cores = os.cpu_count() or 1
        return (
            f"| {self.name} | {self.rate:,.0f} | {self.rate / ceiling_rate:.2f} | "
            f"{per_event(self.sender_cpu, 1000, '{:.3f}')} | {per_event(self.receiver_cpu, 1000, '{:.3f}')} | "
            f"{per_event(self.database_cpu, 1000, '{:.3f}')} | {cores * self.events / total if total else 0:,.0f} | "
            f"{per_event(self.sender_statements)} | {per_event(self.receiver_statements)} |"
        )


def _identity() -> tuple[ServiceIdentity, str]:
    key = Ed25519PrivateKey.generate()
    return ServiceIdentity(receiver.PRODUCER, [SigningKey("k1", key)], PeerKeys()), public_pem(key).decode()


def _envelopes(n: int) -> list[EventEnvelope]:
    from datetime import UTC, datetime
    from uuid import uuid4

    now = datetime.now(UTC)
    return [
        EventEnvelope(
            id=str(uuid4()),
            type=receiver.EVENT_TYPE,
            source=receiver.PRODUCER,
            occurred_at=now,
            partner_id="DE",
            data=CaseOpened(case_id=f"case-{i}", applicant_id=f"app-{i}", partner_id="DE").model_dump(mode="json"),
        )
        for i in range(n)
    ]


def _start(factory: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{factory} exited during start-up; see {log}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{factory} not ready after 120 s; see {log}")


async def _ceiling_loop(
    url: str, identity: ServiceIdentity, envelopes: list[EventEnvelope], pid: int, meter: PgMeter
) -> Figure:
    bodies = [json.dumps(e.model_dump(mode="json"), separators=(",", ":"), sort_keys=True).encode() for e in envelopes]
    queue = iter(zip(envelopes, bodies, strict=True))
    failures = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for envelope, body in queue:
            headers = sign_event(identity, body, event_id=envelope.id)
            response = await client.post(url + "/v1/events", content=body, headers=headers)
            failures += response.status_code != 204

    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_keepalive_connections=CONCURRENCY)) as client:
        meter.start()
        cpu0, server0, start = time.process_time(), cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
        seconds = time.perf_counter() - start
        database_cpu = meter.stop()
        print(f"ceiling: {len(envelopes):,} events in {seconds:.1f} s", file=sys.stderr)
        figure = Figure(
            "ceiling: signed POST per event, 16 connections",
            len(envelopes),
            seconds,
            time.process_time() - cpu0,
            cpu_seconds(pid) - server0,
            database_cpu,
            receiver_statements=len(envelopes),
        )
        rows = (await client.get(url + "/count")).json()["rows"]
    if failures or rows != len(envelopes):
        raise RuntimeError(f"ceiling: {failures} failed posts, {rows} rows for {len(envelopes)} events")
    return figure


async def _outbox_phase(
    name: str,
    producer_url: str,
    consumer_db: str,
    consumer_url: str,
    consumer_pid: int,
    identity: ServiceIdentity,
    n: int,
    options: dict[str, Any],
) -> Figure:
    engine = make_engine(producer_url)
    maker = make_sessionmaker(engine)
    statements = {"n": 0}

    def count(*_args: Any) -> None:
        statements["n"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    publisher = EventPublisher(
        receiver.tables, [Subscriber(name="consumer", url=consumer_url + "/v1/events")], receiver.PRODUCER
    )
    for start in range(0, n, 500):
        async with maker() as session, session.begin():
            for i in range(start, min(start + 500, n)):
                await publisher.publish(
                    session,
                    receiver.EVENT_TYPE,
                    CaseOpened(case_id=f"case-{i}", applicant_id=f"app-{i}", partner_id="DE"),
                    partner_id="DE",
                )
    async with httpx.AsyncClient(timeout=30) as client:
        consumer_statements = (await client.get(consumer_url + "/stats")).json()["statements"]
        dispatcher = OutboxDispatcher(maker, receiver.tables, identity, client, **options)
        statements["n"] = 0
        meter = PgMeter([producer_url, consumer_db])
        meter.start()
        cpu0, server0, start_at = time.process_time(), cpu_seconds(consumer_pid), time.perf_counter()
        delivered = await dispatcher.drain()
        if delivered != n:
            raise RuntimeError(f"{name}: {delivered} of {n} events delivered")
        seconds = time.perf_counter() - start_at
        database_cpu = meter.stop()
        print(f"{name}: {n:,} events in {seconds:.1f} s", file=sys.stderr)
        figure = Figure(
            name,
            n,
            seconds,
            time.process_time() - cpu0,
            cpu_seconds(consumer_pid) - server0,
            database_cpu,
            statements["n"],
            (await client.get(consumer_url + "/stats")).json()["statements"] - consumer_statements,
        )
    await engine.dispose()
    consumer_engine = make_engine(consumer_db)
    async with consumer_engine.connect() as conn:
        effects = (await conn.execute(select(func.count()).select_from(receiver.effects))).scalar_one()
    await consumer_engine.dispose()
    if effects != n:
        raise RuntimeError(f"{name}: {effects} effects for {n} events")
    return figure


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def _run(n: int, databases: Databases, logs: Path) -> list[Figure]:
    identity, public_key = _identity()
    ceiling_url = databases.create("ceiling")
    ceiling.prepare(ceiling_url)
    process, url = _start(
        "bench.events.ceiling:create_app",
        {"CEILING_DATABASE_URL": ceiling_url, "CEILING_PUBLIC_KEY": public_key},
        logs / "ceiling.log",
    )
    try:
        figures = [await _ceiling_loop(url, identity, _envelopes(n), process.pid, PgMeter([ceiling_url]))]
    finally:
        process.terminate()
        process.wait(timeout=15)
    for index, (name, options) in enumerate(VARIANTS.items()):
        producer_url = databases.create(f"producer{index}")
        consumer_db = databases.create(f"consumer{index}")
        receiver.prepare(producer_url)
        receiver.prepare(consumer_db)
        process, url = _start(
            "bench.events.receiver:create_app",
            {"BENCH_EVENTS_DATABASE_URL": consumer_db, "BENCH_EVENTS_PRODUCER_KEY": public_key},
            logs / f"consumer{index}.log",
        )
        try:
            figures.append(await _outbox_phase(name, producer_url, consumer_db, url, process.pid, identity, n, options))
        finally:
            process.terminate()
            process.wait(timeout=15)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument("--events", type=int, default=5_000, help="events per phase (default 5,000)")
    args = parser.parse_args(argv)
    databases = Databases(PG_ADMIN_URL)
    print(f"load average before: {_load()}, {os.cpu_count()} CPUs, {args.events:,} events per phase")
    print(f"databases: {databases.prefix}_* (dropped at the end)")
    with tempfile.TemporaryDirectory(prefix="carrots-bench-events-") as tmp:
        try:
            figures = asyncio.run(_run(args.events, databases, Path(tmp)))
        finally:
            databases.drop_all()
    print(f"load average after: {_load()}")
    print()
    print(
        "| delivery | events/s | ratio to ceiling | sender CPU ms/event | receiver CPU ms/event "
        f"| PostgreSQL CPU ms/event | events/s if CPU-bound on {os.cpu_count()} idle cores "
        "| sender statements/event | receiver statements/event |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for figure in figures:
        print(figure.row(figures[0].rate))
