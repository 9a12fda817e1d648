"""Running a benchmark module as the command line does, against the test PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.harness import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]


def run_bench(module: str, *arguments: str) -> str:
    """Run `python -m <module> <arguments>` from the repository root; its standard output, once it has succeeded."""
    env = {**os.environ, "CARROTS_BENCH_PG_ADMIN": PG_ADMIN_URL}
    done = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
