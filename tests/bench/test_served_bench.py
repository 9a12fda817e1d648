"""The HTTP benchmark runs end to end in quick mode, so it cannot rot unnoticed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import PG_ADMIN_URL

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]
ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = (
    "partner reads one applicant",
    "NGO reads one shared case",
    "registration",
    "payout creation (Idempotency-Key)",
    "auditor export, JSON Lines",
    "bulk intake",
    "re-screening",
)


def _databases() -> set[str]:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'carrots_bench_%'")}


def test_quick_bench_prints_every_operation_beside_its_ceiling_and_drops_its_databases() -> None:
    before = _databases()
    env = {**os.environ, "CARROTS_BENCH_PG_ADMIN": PG_ADMIN_URL}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--seconds", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert table[0].startswith("| operation | carrots | ceiling | ratio |")
    rows = table[1:]
    assert [any(row.startswith(f"| {name}") for row in rows) for name in OPERATIONS] == [True] * len(OPERATIONS)
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        ceiling = float(re.sub(r"[^\d.]", "", cells[2].split(" ")[0]))
        assert ceiling > 0, row
    # The requests that did complete were answered as expected: no refused payout, no rejected intake row.
    assert all(row.rstrip(" |").endswith("| 0") for row in rows), done.stdout
    # Nothing left behind: the run's own databases are dropped.
    assert _databases() <= before
