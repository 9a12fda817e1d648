"""End to end: `carrots up` starts four real uvicorn processes that answer and stop on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.ports import free_ports

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_up_serves_every_service_healthy_with_openapi_and_stops_on_ctrl_c(tmp_path: Path, stop: int) -> None:
    ports = free_ports(5)
    names = ["eligibility", "payments", "asylum", "testimony", "registry"]
    command = [sys.executable, "-m", "carrots.cli", "up", "--var-dir", str(tmp_path / "var")]
    for name, port in zip(names, ports, strict=True):
        command += [f"--{name}-port", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 200
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        output = "".join(lines)
        assert "All services are up" in output, output
        assert "registered the development organisations DE, PL, FR, NGO-A, AUDIT-FIRM" in output
        for name, port in zip(names, ports, strict=True):
            assert f"http://127.0.0.1:{port}/docs" in output
            assert httpx.get(f"http://127.0.0.1:{port}/readyz").json()["service"] == name
            schema = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
            assert schema["info"]["title"] == f"carrots {name}"
            assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
        for name in names:
            assert (tmp_path / "var" / f"{name}.db").exists()
        _check_development_organisations(tmp_path / "var", ports[0], ports[4])
        process.send_signal(stop)
        assert process.wait(timeout=30) == 0
        for port in ports:
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _check_development_organisations(var_dir: Path, eligibility_port: int, registry_port: int) -> None:
    """A development token of DE works as the README shows; an unregistered or suspended organisation's does not."""

    def token(org: str) -> str:
        issued = subprocess.run(
            [
                sys.executable,
                "-m",
                "carrots.cli",
                "token",
                "issue",
                "--org",
                org,
                "--scope",
                "applicants:read",
                "--var-dir",
                str(var_dir),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return issued.stdout.strip()

    def applicants(org: str) -> int:
        url = f"http://127.0.0.1:{eligibility_port}/v1/applicants"
        return httpx.get(url, headers={"Authorization": f"Bearer {token(org)}"}).status_code

    assert applicants("DE") == 200
    assert applicants("XX") == 401
    partners = [sys.executable, "-m", "carrots.cli", "partners"]
    common = ["--url", f"http://127.0.0.1:{registry_port}", "--var-dir", str(var_dir)]
    listed = subprocess.run([*partners, "list", *common], capture_output=True, text=True, check=True)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["AUDIT-FIRM", "DE", "FR", "NGO-A", "PL"]
    subprocess.run([*partners, "suspend", "PL", "--reason", "e2e", *common], check=True, capture_output=True)
    deadline = time.monotonic() + 10
    while applicants("PL") != 403:
        assert time.monotonic() < deadline, "the suspension did not reach eligibility within 10 s"
        time.sleep(0.2)
