"""The fault hook ends a process only where `CARROTS_FAULT` points, and production refuses to start with it set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from carrots.registry import SERVICES
from shared.faults import FAULT_ENV, FAULT_EXIT_STATUS


def _run_point(fault: str | None, point: str, label: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    if fault is not None:
        env[FAULT_ENV] = fault
    code = f"from shared.faults import crash_point; crash_point({point!r}, {label!r})"
    return subprocess.run([sys.executable, "-c", code], env=env, check=False, capture_output=True).returncode


def test_a_process_ends_at_the_armed_point_and_label_only() -> None:
    assert _run_point(None, "after-commit", "POST /v1/payouts") == 0
    assert _run_point("outbox-sent", "after-commit", "POST /v1/payouts") == 0
    assert _run_point("after-commit:GET /v1/payouts", "after-commit", "POST /v1/payouts") == 0
    assert _run_point("after-commit:POST /v1/payouts", "after-commit", "POST /v1/payouts") == FAULT_EXIT_STATUS
    assert _run_point("after-commit", "after-commit", "POST /v1/payouts") == FAULT_EXIT_STATUS


def test_production_refuses_to_start_with_a_fault_armed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "after-commit")
    with pytest.raises(ValueError, match=FAULT_ENV):
        SERVICES["payments"].settings(environment="production")
