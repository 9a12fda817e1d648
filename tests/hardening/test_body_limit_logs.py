"""A body sent without Content-Length and cut off at the limit is answered 413 and logged as 413, never as a crash.

Run against a real uvicorn process, whose body chunks arrive as the network delivers them, reading the
process's own JSON log lines: the request line and the request metric say 413, and nothing is logged as an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.limits import DEFAULT_BODY_LIMIT
from tests.shared.probe_process import running_probe

pytestmark = pytest.mark.e2e

CHUNK = 64 * 1024


def _chunks(total: int) -> Iterator[bytes]:
    # A generator body: httpx sends it chunked, without a Content-Length.
    for _ in range(total // CHUNK + 1):
        yield b" " * CHUNK


def test_a_body_cut_off_at_the_limit_is_logged_as_413(tmp_path: Path) -> None:
    sent = {"application/json": 0, "application/octet-stream": 0}
    with running_probe(tmp_path, start_within=120) as probe:
        for media_type in sent:
            answer = httpx.post(
                f"{probe.base}/probe/items",
                content=_chunks(3 * DEFAULT_BODY_LIMIT),
                headers={"Content-Type": media_type},
                timeout=30,
            )
            assert answer.status_code == 413, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
        metrics = httpx.get(f"{probe.base}/metrics", timeout=10).text
    output = probe.output

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    posts = [line for line in lines if line.get("event") == "request" and line.get("method") == "POST"]
    assert [line["status"] for line in posts] == [413, 413], posts
    errors = [line for line in lines if line.get("level") in {"error", "critical"} or "exception_chain" in line]
    assert errors == [], errors
    assert 'status="500"' not in metrics
