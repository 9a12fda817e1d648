"""The re-screening benchmark runs end to end on a few applicants, so that it cannot rot unnoticed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.test_served_bench import _databases
from tests.harness import PG_ADMIN_URL

pytestmark = [pytest.mark.postgres_only]
ROOT = Path(__file__).resolve().parents[2]


def test_rescreening_bench_prints_rate_stalls_and_ceiling_and_drops_its_database() -> None:
    before = _databases()
    env = {**os.environ, "CARROTS_BENCH_PG_ADMIN": PG_ADMIN_URL}
    done = subprocess.run(
        [sys.executable, "-m", "bench.rescreening_bench", "--applicants", "300", "--list-entries", "300"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"carrots: [\d.]+ s, [\d,]+ applicants/s, [\d.]+ ms CPU each; job completed, 300 of 300", out), out
    assert re.search(
        r"worst loop stall \d+ ms \(p99 \d+ ms, \d+ over 50 ms\); a concurrent applicant read: \d+ reads, p99 \d+ ms",
        out,
    ), out
    assert re.search(r"ceiling: in-process screening against the same index [\d,]+ applicants/s; ratio", out), out
    assert {name for name in _databases() if name.endswith("_rescreening")} <= before
