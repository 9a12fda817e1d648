"""A crash never carries personal data into the logs: not through a traceback, an error message or SQL values."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.shared.probe_process import running_probe

pytestmark = pytest.mark.e2e

PLANTED = "Мирослава Unmistakable-Planted 1961-02-29"


def test_a_crash_logs_where_it_happened_and_none_of_the_values(tmp_path: Path) -> None:
    with running_probe(tmp_path, start_within=30) as probe:
        for route in ("/probe/crash/sql", "/probe/crash/message"):
            answer = httpx.post(f"{probe.base}{route}", json={"note": PLANTED}, timeout=10)
            assert answer.status_code == 500
            assert answer.headers["content-type"] == "application/problem+json"
            assert PLANTED not in answer.text
    output = probe.output

    assert PLANTED not in output
    assert "Мирослава" not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    raw = [line for line in output.splitlines() if line.strip() and not line.startswith("{")]
    assert raw == [], f"lines outside the JSON logger: {raw[:5]}"
    crashes = [line for line in lines if "exception_chain" in line]
    types = {entry["type"] for line in crashes for entry in line["exception_chain"]}
    assert "sqlalchemy.exc.IntegrityError" in types
    assert "builtins.ValueError" in types
    assert all(entry["frames"] for line in crashes for entry in line["exception_chain"])
