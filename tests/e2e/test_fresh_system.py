"""End to end: on a fresh `carrots up`, screening works at once and `carrots token issue` finds the keys by itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ports import free_ports

pytestmark = pytest.mark.e2e

# A made-up person of the synthetic list that ships with the project (services/eligibility/screening/lists/data/).
LISTED = {"script": "latin", "given": "Vymysl Ivanovich", "family": "Obraztsov"}


def _start(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str], int]:
    ports = free_ports(4)
    command = [sys.executable, "-m", "carrots.cli", "up", "--var-dir", str(tmp_path / "var")]
    for name, port in zip(("eligibility", "payments", "asylum", "testimony"), ports, strict=True):
        command += [f"--{name}-port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    up = threading.Event()

    def drain() -> None:
        # Keep reading: the workers log as they go, and a full pipe would stall them.
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                up.set()

    threading.Thread(target=drain, daemon=True).start()
    assert up.wait(timeout=240), "".join(lines)
    return process, lines, ports[0]


def _token(elsewhere: Path, env: dict[str, str], *args: str) -> str:
    issued = subprocess.run(
        [sys.executable, "-m", "carrots.cli", "token", "issue", *args],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


def _register(url: str, token: str, names: list[dict[str, str]], birth_date: str) -> dict[str, Any]:
    body = {
        "category": "official",
        "names": names,
        "birth_date": birth_date,
        "citizenship": "RU",
        "documents": [],
        "evidence": {"left_post": True},
    }
    response = httpx.post(f"{url}/v1/applicants", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


def test_a_fresh_system_screens_against_the_shipped_synthetic_list(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env["CARROTS_STATE_DIR"] = str(tmp_path / "state")
    elsewhere = tmp_path / "elsewhere"  # a working directory without the system's var/
    elsewhere.mkdir()
    process, lines, eligibility_port = _start(tmp_path, env)
    try:
        assert any("synthetic sanctions list" in line for line in lines), "".join(lines)
        # No --var-dir: the command finds the running system's key through its state file.
        token = _token(elsewhere, env, "--org", "DE", "--scope", "applicants:write", "--scope", "applicants:read")
        url = f"http://127.0.0.1:{eligibility_port}"
        ordinary = _register(url, token, [{"script": "latin", "given": "Pavel", "family": "Ordinarov"}], "1980-02-02")
        assert ordinary["screening_status"] == "clear"
        listed = _register(url, token, [LISTED], "1961-03-14")
        assert listed["screening_status"] == "hits"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # Once stopped, no running system is found any more, and no key is made up.
    stopped = subprocess.run(
        [sys.executable, "-m", "carrots.cli", "token", "issue", "--org", "DE"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert stopped.returncode == 1
    assert "carrots up" in stopped.stderr
    assert not (elsewhere / "var").exists()
