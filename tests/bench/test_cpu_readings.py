"""The benchmarks' CPU readings count the processes a server starts (a service's screening processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.served.stack import cpu_seconds, descendants, tree_cpu_seconds

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc")

# A child that burns CPU until stdin closes.
BURN = (
    "import sys, threading\n"
    "t = threading.Thread(target=sys.stdin.read, daemon=True)\n"
    "t.start()\n"
    "while t.is_alive():\n"
    "    pass\n"
)


def test_a_live_child_is_counted_and_its_time_stays_counted_once_it_is_reaped() -> None:
    me = os.getpid()
    child = subprocess.Popen([sys.executable, "-c", BURN], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while cpu_seconds(child.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.pid in descendants(me)
        spent = cpu_seconds(child.pid)
        assert spent >= 0.3
        # (one clock tick of slack for the float sums)
        assert tree_cpu_seconds(me) - cpu_seconds(me) >= spent - 0.01
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
    assert child.pid not in descendants(me)
    # Reaped: its time now sits in this process's cutime/cstime.
    assert cpu_seconds(me) >= spent - 0.01
