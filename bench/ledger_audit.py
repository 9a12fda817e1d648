"""Auditor export over HTTP and offline verification of a large ledger, each beside a ceiling from the same run.

`python -m bench.ledger_audit [--entries 1000000]` creates its own uniquely named PostgreSQL databases (dropped
after), seeds the chained entries with COPY, starts payments as a real uvicorn process and then measures:

- the auditor's JSON Lines export streamed over HTTP (entries/s, the server's CPU per entry and peak RSS),
  beside `psql \\copy` of the same rows and a minimal psycopg + orjson streaming of them;
- `carrots ledger verify` of the exported file in its own process (entries/s, CPU, peak RSS), beside a
  minimal loop that only reads and hashes the same lines.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.ledger_seed import seed
from bench.served.stack import Databases, Server, running
from services.payments.domain.tamper.checkpoints import export_public_key_pem
from shared.auth import CallerKind, issue_token
from shared.devkeys import ensure_dev_signing_key

PG_ADMIN_URL = os.environ.get("CARROTS_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
AUDITED = "AU"
EXPORT_COLUMNS = (
    "seq, id, partner_id, transfer_id, transfer_kind, account_id, currency, amount_minor, created_at, prev_hash, hash"
)


@dataclass
class Figure:
    operation: str
    entries: int
    seconds: float
    cpu_seconds: float | None = None
    peak_rss_mb: float | None = None

    @property
    def rate(self) -> float:
        return self.entries / self.seconds if self.seconds else 0.0

    def cpu_us(self) -> str:
        return "-" if self.cpu_seconds is None else f"{self.cpu_seconds * 1e6 / max(self.entries, 1):.1f} µs"

    def rss(self) -> str:
        return "-" if self.peak_rss_mb is None else f"{self.peak_rss_mb:.0f} MB"


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mb(pid: int) -> float:
    """The highest resident set size a live process has reached (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def psql_copy(url: str, partner: str) -> Figure:
    """The database's own ceiling: `psql \\copy` of the same rows, in chain order, to /dev/null."""
    query = f"\\copy (SELECT {EXPORT_COLUMNS} FROM entries WHERE partner_id = '{partner}' ORDER BY seq) TO '/dev/null'"
    started = time.perf_counter()
    done = subprocess.run(["psql", "-X", libpq_url(url), "-c", query], capture_output=True, text=True, check=True)
    count = int(done.stdout.split()[-1]) if done.stdout.strip() else 0
    return Figure("psql \\copy of the same rows", count, time.perf_counter() - started)


def python_streaming(url: str, partner: str, target: Path) -> Figure:
    """The Python ceiling: a psycopg server-side cursor, each row written as a JSON array by orjson, to a file."""
    import orjson
    import psycopg

    dumps = orjson.dumps
    count, started, cpu = 0, time.perf_counter(), time.process_time()
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor(name="ceiling") as cursor, target.open("wb") as out:
        cursor.execute(f"SELECT {EXPORT_COLUMNS} FROM entries WHERE partner_id = %s ORDER BY seq", (partner,))
        while rows := cursor.fetchmany(5_000):
            out.write(b"".join([dumps(row) + b"\n" for row in rows]))
            count += len(rows)
    return Figure(
        "psycopg + orjson streaming, same rows", count, time.perf_counter() - started, time.process_time() - cpu
    )


def export_over_http(server: Server, token: str, partner: str, target: Path) -> Figure:
    """Stream the auditor's JSON Lines export to a file, reading the server's CPU and peak RSS."""
    lines, cpu, started = 0, server.cpu(), time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.stream(
            "GET", f"{server.url}/v1/audit/partners/{partner}/export?format=jsonl", headers=headers, timeout=600
        ) as answer,
        target.open("wb") as out,
    ):
        answer.raise_for_status()
        for chunk in answer.iter_raw(1 << 20):
            lines += chunk.count(b"\n")
            out.write(chunk)
    elapsed = time.perf_counter() - started
    checkpoints = sum(1 for line in target.open("rb") if line.startswith(b'{"type":"checkpoint"'))
    return Figure(
        "auditor export over HTTP, JSON Lines",
        lines - checkpoints,
        elapsed,
        server.cpu() - cpu,
        peak_rss_mb(server.process.pid),
    )


# Runs the command and prints its CPU seconds and peak RSS. The figures come from a small parent: a child forked
# straight from the benchmark would carry the benchmark's own resident size into its ru_maxrss.
_MEASURE = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(process.pid, 0)
print(f"rusage {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def verify_offline(export: Path, public_key: Path) -> tuple[Figure, str]:
    """`carrots ledger verify` in its own process: wall time, CPU and peak RSS."""
    command = [sys.executable, "-m", "carrots.cli", "ledger", "verify", str(export), "--public-key", str(public_key)]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    text, _, usage = done.stdout.rpartition("rusage ")
    if done.returncode != 0 or not usage:
        raise RuntimeError(f"verification failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    cpu, maxrss_kb = usage.split()
    entries = int(text.split("records checked: ", 1)[1].split(",", 1)[0])
    figure = Figure("`carrots ledger verify` of the export", entries, elapsed, float(cpu), int(maxrss_kb) / 1024)
    return figure, text


def hash_loop(export: Path) -> Figure:
    """The verification ceiling: read the same file line by line and SHA-256 each line, nothing else."""
    import hashlib

    sha256 = hashlib.sha256
    count, started, cpu = 0, time.perf_counter(), time.process_time()
    with export.open("rb") as lines:
        for line in lines:
            sha256(line).hexdigest()
            count += 1
    return Figure("read + SHA-256 of each line", count, time.perf_counter() - started, time.process_time() - cpu)


def render(entries: int, pairs: list[tuple[Figure, list[Figure]]], load: tuple[float, float]) -> str:
    lines = [
        f"{entries:,} ledger entries, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} before, {load[1]:.1f} after",
        "",
        "| operation | entries/s | ratio | CPU per entry | peak RSS |",
        "|---|---|---|---|---|",
    ]
    for ours, ceilings in pairs:
        lines.append(f"| {ours.operation} | {ours.rate:,.0f} | | {ours.cpu_us()} | {ours.rss()} |")
        for ceiling in ceilings:
            lines.append(
                f"| ceiling: {ceiling.operation} | {ceiling.rate:,.0f} | {ours.rate / ceiling.rate:.2f} | "
                f"{ceiling.cpu_us()} | {ceiling.rss()} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger_audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="ledger entries to seed (default 1,000,000)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    databases = Databases(PG_ADMIN_URL)
    try:
        with tempfile.TemporaryDirectory(prefix="carrots-ledger-audit-") as tmp:
            folder = Path(tmp)
            ceiling_url = databases.create("ceiling")
            with running(["payments"], databases, folder, ceiling_url) as servers:
                url = servers["payments"].database_url
                note(f"seeding {args.entries:,} chained entries with COPY")
                started = time.perf_counter()
                key = seed(url, args.entries, partner=AUDITED)
                note(f"seeded in {time.perf_counter() - started:.1f} s")
                pem = folder / "checkpoint-key.pem"
                pem.write_text(export_public_key_pem(key.public_key()))
                ceilings = [psql_copy(url, AUDITED), python_streaming(url, AUDITED, folder / "ceiling.jsonl")]
                (folder / "ceiling.jsonl").unlink()
                token = issue_token(
                    ensure_dev_signing_key(folder),
                    org="AUDIT-FIRM",
                    kind=CallerKind.auditor,
                    scopes=("ledger:audit",),
                    subject="bench@AUDIT-FIRM",
                    ttl_seconds=7200,
                    mandates=(AUDITED,),
                )
                export = folder / "ledger.jsonl"
                note("exporting over HTTP")
                exported = export_over_http(servers["payments"], token, AUDITED, export)
                if exported.entries != args.entries // 2 * 2:
                    raise RuntimeError(f"the export held {exported.entries:,} entries, not {args.entries // 2 * 2:,}")
            note("verifying the export offline")
            verified, report = verify_offline(export, pem)
            if not report.rstrip().endswith("OK"):
                raise RuntimeError(f"the export did not verify:\n{report}")
            ceiling = hash_loop(export)
    finally:
        databases.drop_all()
    print(render(args.entries, [(exported, ceilings), (verified, [ceiling])], (load_before, os.getloadavg()[0])))


if __name__ == "__main__":
    main()
