"""The probe app run as a real uvicorn process on SQLite, for tests that read what the process itself logs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine

from shared.devkeys import ensure_dev_signing_key
from tests.ports import free_port
from tests.shared.probe import metadata

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ProbeProcess:
    """Where the running probe answers; `output` holds its stdout and stderr once it has stopped."""

    base: str
    output: str = ""


@contextmanager
def running_probe(tmp_path: Path, *, start_within: float) -> Iterator[ProbeProcess]:
    """Start the probe on a fresh SQLite database under `tmp_path`, wait for /healthz, stop it on leaving."""
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
    probe = ProbeProcess(base=f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + start_within
        while True:
            try:
                httpx.get(f"{probe.base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the probe did not start"
                time.sleep(0.2)
        yield probe
    finally:
        process.terminate()
        probe.output, _ = process.communicate(timeout=30)
