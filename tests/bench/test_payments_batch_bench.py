"""The contribution-batch benchmark runs end to end in a tiny bounded size, so it cannot rot unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import PG_ADMIN_URL

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]
ROOT = Path(__file__).resolve().parents[2]


def _databases() -> set[str]:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'carrots_bench_%'")}


def test_batch_bench_prints_its_rate_beside_the_ceiling_and_a_balanced_ledger() -> None:
    env = {**os.environ, "CARROTS_BENCH_PG_ADMIN": PG_ADMIN_URL}
    command = [sys.executable, "-m", "bench.payments_batch_bench", "--batches", "2", "--size", "50"]
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as run:
        stdout, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr[-3000:]
    (row,) = [line for line in stdout.splitlines() if line.startswith("| contribution batch over HTTP")]
    cells = [c.strip().replace(",", "") for c in row.strip("|").split("|")]
    carrots, ceiling = float(cells[1]), float(cells[2])
    assert carrots > 0
    assert ceiling > 0
    assert "auditor's balance check after the run: ok" in stdout
    # Nothing left behind: the run's own databases (named after its process id) are dropped.
    assert not [name for name in _databases() if name.startswith(f"carrots_bench_{run.pid}_")]
