"""A body sent without Content-Length and cut off at the limit is answered 413 and logged as 413, never as a crash.

Run against a real uvicorn process, whose body chunks arrive as the network delivers them, reading the
process's own JSON log lines: the request line and the request metric say 413, and nothing is logged as an error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from shared.devkeys import ensure_dev_signing_key
from shared.limits import DEFAULT_BODY_LIMIT
from tests.ports import free_port
from tests.shared.probe import metadata

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 64 * 1024


def _chunks(total: int) -> Iterator[bytes]:
    # A generator body: httpx sends it chunked, without a Content-Length.
    for _ in range(total // CHUNK + 1):
        yield b" " * CHUNK


def test_a_body_cut_off_at_the_limit_is_logged_as_413(tmp_path: Path) -> None:
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
    sent = {"application/json": 0, "application/octet-stream": 0}
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the probe did not start"
                time.sleep(0.2)
        for media_type in sent:
            answer = httpx.post(
                f"{base}/probe/items",
                content=_chunks(3 * DEFAULT_BODY_LIMIT),
                headers={"Content-Type": media_type},
                timeout=30,
            )
            assert answer.status_code == 413, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
        metrics = httpx.get(f"{base}/metrics", timeout=10).text
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    posts = [line for line in lines if line.get("event") == "request" and line.get("method") == "POST"]
    assert [line["status"] for line in posts] == [413, 413], posts
    errors = [line for line in lines if line.get("level") in {"error", "critical"} or "exception_chain" in line]
    assert errors == [], errors
    assert 'status="500"' not in metrics
