"""The bulk intake benchmark runs end to end on a few rows, so that it cannot rot unnoticed."""

from __future__ import annotations

import re

import pytest

from tests.bench.runs import run_bench
from tests.bench.test_served_bench import _databases

pytestmark = [pytest.mark.postgres_only]


def test_intake_bench_prints_its_rate_memory_and_ceiling_and_drops_its_database() -> None:
    before = _databases()
    out = run_bench("bench.intake_bench", "--rows", "1000", "--list-entries", "50")
    # Row 1,000 repeats row 999's passport: registered all the same, as a suspected duplicate.
    assert "completed: 1,000 accepted, 0 rejected" in out, out
    assert re.search(r"carrots: [\d.]+ s, [\d,]+ rows/s, [\d.]+ ms CPU per row", out), out
    assert re.search(r"ceiling: plain batched insert of the same rows [\d,]+ rows/s; ratio [\d.]+", out), out
    assert re.search(r"memory: .* MB before the upload; .*peak \d+ MB", out), out
    # Its own database is dropped (other benchmarks may be running beside it with theirs).
    assert {name for name in _databases() if name.endswith("_intake")} <= before
