"""End to end: `carrots demo` starts the system as processes, walks the programme and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_the_demo_walks_the_programme_and_every_outcome_holds(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env["TMPDIR"] = str(tmp_path)
    ran = subprocess.run(
        [sys.executable, "-m", "carrots.cli", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    for line in (
        "screening against the sanctions list: clear; no other partner holds his passport",
        "flagged as a suspected duplicate across partners",
        "tier deserter; 2 distinct approvers needed",
        "his daughter is on the case as a dependant",
        "the arrival event made the first tranche due",
        "the case event made the second tranche due",
        "the whole bounty is paid",
        "carries both payouts for the bank",
        "screening: 1 hit on the synthetic list",
        "approval refused while the hit awaits review",
        "tier senior_official_who_left; 4 distinct approvers needed",
        "tier diplomat_who_resigned; 3 distinct approvers needed",
        "tier skilled_professional: a residence path, no bounty",
        "the trial balance is balanced in every currency",
        "the NGO reads the shared case",
        "answers 404 to the NGO",
        "published: the public page shows it, without his sister's name",
        "the public page answers 410 Gone",
        "offline: intact",
        "every one verified, none refused",
        "every outcome was as expected",
    ):
        assert line in ran.stdout, ran.stdout
    # The demo keeps nothing behind: its folder is gone and nothing was written where it ran.
    assert not list(tmp_path.glob("carrots-demo-*"))
    assert not (tmp_path / "var").exists()
