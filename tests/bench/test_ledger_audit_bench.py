"""The ledger audit benchmark runs end to end on a small ledger, so it cannot rot unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import PG_ADMIN_URL

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]
ROOT = Path(__file__).resolve().parents[2]


def _databases_of(pid: int) -> set[str]:
    """The databases a benchmark process created (they are named after its process id)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"carrots_bench_{pid}_%",))
        return {r[0] for r in rows}


def test_a_small_ledger_is_exported_over_http_and_verified_beside_its_ceilings() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "bench.ledger_audit", "--entries", "2000"],
        cwd=ROOT,
        env={**os.environ, "CARROTS_BENCH_PG_ADMIN": PG_ADMIN_URL},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-3000:]
    rows = {
        cells[0]: cells[1:]
        for line in stdout.splitlines()
        if line.startswith("| ") and "---" not in line
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    export, verify = rows["auditor export over HTTP, JSON Lines"], rows["`carrots ledger verify` of the export"]
    # Every entry arrived and was checked (the benchmark stops if the export does not verify).
    assert stdout.startswith("2,000 ledger entries")
    for ours in (export, verify):
        assert float(ours[0].replace(",", "")) > 0
        assert ours[3].endswith(" MB")
    for ceiling in (
        "psql \\copy of the same rows",
        "psycopg + orjson streaming, same rows",
        "read + SHA-256 of each line",
    ):
        assert float(rows[f"ceiling: {ceiling}"][0].replace(",", "")) > 0
    # Nothing left behind: the run's own databases are dropped.
    assert _databases_of(process.pid) == set()
