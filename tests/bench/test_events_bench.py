"""The event-delivery benchmark runs end to end on a few events, so it cannot rot unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import PG_ADMIN_URL

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]
ROOT = Path(__file__).resolve().parents[2]
PHASES = ("ceiling: signed POST per event", "outbox, one event per request", "outbox, signed batches of 100")


def _databases(prefix: str) -> list[str]:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (prefix,))]


def test_event_bench_prints_each_delivery_beside_its_ceiling_and_drops_its_databases() -> None:
    env = {**os.environ, "CARROTS_BENCH_PG_ADMIN": PG_ADMIN_URL}
    done = subprocess.run(
        [sys.executable, "-m", "bench.events", "--events", "120"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert table[0].startswith("| delivery | events/s | ratio to ceiling |")
    assert [any(row.startswith(f"| {name}") for row in table[1:]) for name in PHASES] == [True] * len(PHASES)
    [prefix] = [line.split()[1].removesuffix("*") for line in done.stdout.splitlines() if line.startswith("databases:")]
    assert prefix.startswith("carrots_bench_")
    assert _databases(prefix) == []
