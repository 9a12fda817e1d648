"""A crash never carries personal data into the logs: not through a traceback, an error message or SQL values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from shared.devkeys import ensure_dev_signing_key
from tests.ports import free_port
from tests.shared.probe import metadata

pytestmark = pytest.mark.e2e

PLANTED = "Мирослава Unmistakable-Planted 1961-02-29"
ROOT = Path(__file__).resolve().parents[2]


def test_a_crash_logs_where_it_happened_and_none_of_the_values(tmp_path: Path) -> None:
    db = tmp_path / "probe.db"
    engine = create_engine(f"sqlite:///{db}")
    metadata.create_all(engine)
    engine.dispose()
    ensure_dev_signing_key(tmp_path)
    port = free_port()
    env = {**os.environ, "PROBE_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "PROBE_VAR_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.shared.probe:create_probe_app_from_env"]
    command += ["--port", str(port), "--no-access-log"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the probe did not start"
                time.sleep(0.2)
        for route in ("/probe/crash/sql", "/probe/crash/message"):
            answer = httpx.post(f"{base}{route}", json={"note": PLANTED}, timeout=10)
            assert answer.status_code == 500
            assert answer.headers["content-type"] == "application/problem+json"
            assert PLANTED not in answer.text
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)

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
