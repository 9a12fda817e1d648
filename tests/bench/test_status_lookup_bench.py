"""The status-lookup benchmark runs end to end in a tiny bounded mode, so it cannot rot unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import PG_ADMIN_URL

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]
ROOT = Path(__file__).resolve().parents[2]


def test_the_status_lookup_bench_prints_p99_with_and_without_lookups_and_their_ratio() -> None:
    env = {**os.environ, "CARROTS_BENCH_PG_ADMIN": PG_ADMIN_URL}
    done = subprocess.run(
        [sys.executable, "-m", "bench.status_lookups", "--cheap", "--seconds", "1", "--rounds", "1", "--lookups", "4"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| this checkout |")]
    assert len(rows) == 1, done.stdout
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    alone, loaded, ratio = float(cells[1].split()[0]), float(cells[2].split()[0]), float(cells[3])
    assert min(alone, loaded, ratio) > 0
    # Lookups were answered while the ordinary load ran, and nothing failed.
    assert float(cells[7]) > 0, done.stdout
    assert cells[-1] == "0", done.stdout
