"""The re-screening benchmark runs end to end on a few applicants, so that it cannot rot unnoticed."""

from __future__ import annotations

import re

import pytest

from tests.bench.runs import run_bench
from tests.bench.test_served_bench import _databases

pytestmark = [pytest.mark.postgres_only]


def test_rescreening_bench_prints_rate_stalls_and_ceiling_and_drops_its_database() -> None:
    before = _databases()
    out = run_bench("bench.rescreening_bench", "--applicants", "300", "--list-entries", "300")
    assert re.search(
        r"carrots: [\d.]+ s, [\d,]+ applicants/s, [\d.]+ ms CPU each in the service's process, "
        r"[\d.]+ ms in screening processes; job completed, 300 of 300",
        out,
    ), out
    assert re.search(
        r"worst loop stall \d+ ms \(p99 \d+ ms, \d+ over 50 ms\); a concurrent applicant read: \d+ reads, p99 \d+ ms",
        out,
    ), out
    assert re.search(r"ceiling: in-process screening against the same index [\d,]+ applicants/s; ratio", out), out
    assert {name for name in _databases() if name.endswith("_rescreening")} <= before
