"""End to end: `carrots serve` runs a service in production on PostgreSQL, behind a trusted ingress address."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from carrots.registry import EVENT_ROUTES, SERVICES
from services.asylum.cases.references import format_case_reference, generate_case_reference
from tests.deploy.manifests import KUSTOMIZATIONS, container, find, generator, kustomize
from tests.deploy.production import ProductionSystem
from tests.ports import free_port

pytestmark = [pytest.mark.postgres_only, pytest.mark.e2e]
CONSUMERS = {target for routes in EVENT_ROUTES.values() for target, _ in routes}
GEN_INTERNAL_PORT = generator().INTERNAL_PORT


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the process exited with {process.returncode}")
        try:
            answer = httpx.get(url, timeout=2)
            if answer.status_code == 200:
                return answer
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} not ready after {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> bool:
    """Stop a server as Kubernetes does (SIGTERM); True when it shut down cleanly by itself."""
    process.terminate()
    try:
        # uvicorn re-raises the signal it handled once shut down, so a clean stop reports SIGTERM.
        return process.wait(timeout=30) in (0, -signal.SIGTERM)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False


@pytest.fixture
def system(tmp_path: Path) -> Iterator[ProductionSystem]:
    s = ProductionSystem(tmp_path)
    yield s
    s.drop()


def _migrate(system: ProductionSystem, name: str, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "carrots.cli", "migrate", name],
        env=system.env(name),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_asylum_in_production_counts_status_lookups_per_client_behind_the_trusted_ingress_only(
    system: ProductionSystem, tmp_path: Path
) -> None:
    _migrate(system, "asylum", tmp_path)
    port, internal = free_port(), free_port()
    env = system.env(
        "asylum",
        ROOT_PATH="/asylum",
        LOOKUP_FREE_FAILURES_PER_CLIENT="1",
        LOOKUP_FAILURE_DELAY_SECONDS="3",
        LOOKUP_MAX_FAILURE_DELAY_SECONDS="3",
    )
    # Only 127.0.0.1 plays the ingress; 127.0.0.2 is any other client on the network.
    argv = ["serve", "asylum", "--host", "127.0.0.1", "--port", str(port), "--internal-port", str(internal)]
    argv += ["--forwarded-allow-ips", "127.0.0.1"]
    process = subprocess.Popen([sys.executable, "-m", "carrots.cli", *argv], env=env, cwd=tmp_path)
    try:
        wait_ready(f"http://127.0.0.1:{port}/asylum/readyz", process)
        url = f"http://127.0.0.1:{port}/asylum/v1/status-lookup"

        def lookup(client: httpx.Client, n: int, forwarded_for: str) -> float:
            started = time.monotonic()
            answer = client.post(
                url,
                json={"reference": format_case_reference(generate_case_reference()), "secret": f"not-the-secret-{n}"},
                headers={"X-Forwarded-For": forwarded_for},
                timeout=30,
            )
            assert answer.status_code == 404, answer.text
            return time.monotonic() - started

        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.1")) as ingress:
            # Three people behind the ingress: each has his own free failure, none waits.
            spent = [lookup(ingress, n, f"203.0.113.{n}") for n in (1, 2, 3)]
        assert max(spent) < 2.5, spent
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as stranger:
            # A client that is not the ingress cannot pose as many people: its second failure waits.
            spent = [lookup(stranger, n, f"198.51.100.{n}") for n in (4, 5)]
        assert spent[0] < 2.5, spent
        assert spent[1] >= 3, spent
    finally:
        assert stop(process)


def _as_here(argv: list[str], ports: dict[str, str]) -> list[str]:
    """A manifest's command as this machine runs it: the installed `carrots` script, ports free here."""
    assert argv[0] == "carrots"
    here = [str(Path(sys.executable).parent / "carrots"), *argv[1:]]
    for option, value in ports.items():
        here[here.index(option) + 1] = value
    return here


def test_the_manifests_commands_migrate_serve_and_work_every_service_in_production(
    system: ProductionSystem, tmp_path: Path
) -> None:
    documents = kustomize(KUSTOMIZATIONS["production"])
    ports = {name: (free_port(), free_port()) for name in SERVICES}
    for name in SERVICES:
        job = container(find(documents, "Job", f"{name}-migrate"))
        done = subprocess.run(
            _as_here(job["command"], {}),
            env=system.env(name),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, (port, internal) in ports.items():
            api = container(find(documents, "Deployment", name))
            argv = _as_here(
                api["command"], {"--host": "127.0.0.1", "--port": str(port), "--internal-port": str(internal)}
            )
            # The manifest's own plain settings, with peers found at their ports here.
            settings = {e["name"]: e["value"] for e in api["env"] if "value" in e}
            prefix = SERVICES[name].env_prefix
            for key, value in settings.items():
                for peer, (peer_port, peer_internal) in ports.items():
                    value = value.replace(f"http://{peer}:{GEN_INTERNAL_PORT}/", f"http://127.0.0.1:{peer_internal}/")
                    value = re.sub(f"^http://{peer}$", f"http://127.0.0.1:{peer_port}", value)
                settings[key] = value
            settings.pop(prefix + "KEY_VAULT_DIR")
            env = system.env(name) | settings
            processes[name] = subprocess.Popen(argv, env=env, cwd=tmp_path)
            worker = container(find(documents, "Deployment", f"{name}-worker"))
            assert worker["env"] == api["env"]
            processes[f"{name}-worker"] = subprocess.Popen(_as_here(worker["command"], {}), env=env, cwd=tmp_path)
        for name, (port, internal) in ports.items():
            root_path = f"/{name}"
            ready = wait_ready(f"http://127.0.0.1:{port}{root_path}/readyz", processes[name])
            assert ready.json() == {"status": "ok", "service": name, "checks": {"database": "ok"}}
            assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 404
            assert httpx.get(f"http://127.0.0.1:{internal}/metrics").status_code == 200
            assert httpx.post(f"http://127.0.0.1:{port}/v1/events", json={}).status_code == 404
            # Unsigned, so refused by a consumer's event route (401); a service that consumes nothing has none.
            expected = 401 if name in CONSUMERS else 404
            assert httpx.post(f"http://127.0.0.1:{internal}/v1/events", json={}).status_code == expected
        # Payments' worker keeps its schedules (checkpoints, due tranches): it runs, in production, on its database.
        deadline = time.monotonic() + 180
        url = system.database("payments").replace("postgresql+psycopg://", "postgresql://")
        while (taken := _schedules_taken(url)) == 0 and time.monotonic() < deadline:
            assert all(p.poll() is None for p in processes.values()), "a process exited"
            time.sleep(1)
        assert taken > 0
        assert not (tmp_path / "var").exists()
    finally:
        for process in processes.values():
            assert stop(process)


def _schedules_taken(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM job_schedules WHERE last_run_by IS NOT NULL").fetchone()
    return int(row[0]) if row else 0
