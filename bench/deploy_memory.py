"""Resident memory of each service as `carrots serve` runs it: idle, under a short load, and a large upload.

The figures size the containers' memory requests and limits (deploy/generate.py, SIZING). Each service runs
as one process on PostgreSQL (127.0.0.1:5432); `wrk` (Debian package) drives 16 connections for 10 s at an
authenticated list route; testimony then receives a media original of 200 MiB, the largest it accepts.
The registry of organisations starts first, as the HTTP benchmark starts it (bench/served/stack.py: its own
uvicorn process, the organisations the tokens name registered), and every other service is pointed at it, so
that a token naming `DE` is accepted. It stops when any answer under load is not 2xx (a refused token or an
unknown organisation would measure nothing). Run: `.venv/bin/python -m bench.deploy_memory`; a short check
of the script itself: `.venv/bin/python -m bench.deploy_memory --seconds 2 --upload-mib 8`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

from bench.served.stack import start_registry
from carrots.registry import REGISTRY, SERVICES
from shared.auth import CallerKind, issue_token
from shared.devkeys import ensure_dev_signing_key, ensure_service_keys

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
LOAD_PATHS = {
    "eligibility": "/v1/applicants",
    "payments": "/v1/accounts",
    "asylum": "/v1/cases",
    "testimony": "/v1/testimonies",
    "registry": "/v1/organisations",
}
UPLOAD_MIB = 200


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _memory(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _scopes(name: str, path: str, port: int) -> list[str]:
    spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
    scopes: list[str] = spec["paths"][path]["get"]["x-required-scopes"]
    return scopes


def _wait(port: int) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"port {port} not ready")


def _database_url(database: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="How long wrk loads each service.")
    parser.add_argument("--upload-mib", type=int, default=UPLOAD_MIB, help="Size of testimony's media upload.")
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    var = Path(tempfile.mkdtemp(prefix="carrots-memory-"))
    logs = var / "logs"
    logs.mkdir()
    key = ensure_dev_signing_key(var)
    ensure_service_keys(var, SERVICES)
    databases = {name: f"carrots_memory_{name}_{os.getpid()}" for name in SERVICES}
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        for database in databases.values():
            conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
            conn.execute(f'CREATE DATABASE "{database}"')
    processes: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    ports = {name: _port() for name in SERVICES}
    command = [sys.executable, "-m", "carrots.cli"]
    envs: dict[str, dict[str, str]] = {}
    try:
        for name, entry in SERVICES.items():
            env = dict(os.environ)
            # Every service asks the registry whether an organisation exists; without it they answer 503.
            env[entry.env_prefix + "REGISTRY_URL"] = f"http://127.0.0.1:{ports[REGISTRY]}"
            env[entry.env_prefix + "VAR_DIR"] = str(var)
            env[entry.env_prefix + "DATABASE_URL"] = _database_url(databases[name])
            envs[name] = env
            subprocess.run([*command, "migrate", name], env=env, check=True, capture_output=True)
        # The registry first, with the organisations the tokens below name (DE among them).
        registry = start_registry(ports[REGISTRY], _database_url(databases[REGISTRY]), var, logs)
        processes[REGISTRY] = (registry.process, registry.port)
        for name in SERVICES:
            if name == REGISTRY:
                continue
            port = ports[name]
            process = subprocess.Popen(
                [*command, "serve", name, "--port", str(port), "--internal-port", str(_port())],
                env=envs[name],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes[name] = (process, port)
        print(f"{'service':<12} {'idle MiB':>9} {'load RSS':>9} {'load peak':>10} {'req/s':>7}")
        for name, (process, port) in processes.items():
            _wait(port)
            idle, _ = _memory(process.pid)
            path = LOAD_PATHS[name]
            # The registry's list is the platform's, read by operators; every other list by the partner DE.
            org, kind = ("platform", CallerKind.operator) if name == REGISTRY else ("DE", CallerKind.partner)
            token = issue_token(key, org=org, kind=kind, scopes=_scopes(name, path, port), ttl_seconds=600)
            done = subprocess.run(
                [
                    wrk,
                    "-t2",
                    "-c16",
                    f"-d{args.seconds}s",
                    "-H",
                    f"Authorization: Bearer {token}",
                    f"http://127.0.0.1:{port}{path}",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            rate = next((line.split()[1] for line in done.stdout.splitlines() if line.startswith("Requests/sec")), "?")
            if "Non-2xx" in done.stdout:
                raise SystemExit(f"{name}: some answers were not 2xx, the figures would not be of real work")
            rss, peak = _memory(process.pid)
            print(f"{name:<12} {idle:>9.0f} {rss:>9.0f} {peak:>10.0f} {rate:>7}")
        process, port = processes["testimony"]
        token = issue_token(
            key, org="DE", kind=CallerKind.partner, scopes=["testimonies:write", "testimonies:read"], ttl_seconds=600
        )
        headers = {"Authorization": f"Bearer {token}"}
        created = httpx.post(
            f"http://127.0.0.1:{port}/v1/testimonies",
            json={"applicant_id": "memory-bench", "language": "en", "text": "A made-up testimony for a benchmark."},
            headers=headers,
            timeout=60,
        )
        created.raise_for_status()
        media = os.urandom(args.upload_mib * 1024 * 1024 - 1024)
        started = time.monotonic()
        answer = httpx.post(
            f"http://127.0.0.1:{port}/v1/testimonies/{created.json()['id']}/media",
            files={"file": ("original.mp4", media, "video/mp4")},
            headers=headers,
            timeout=600,
        )
        answer.raise_for_status()
        rss, peak = _memory(process.pid)
        print(
            f"testimony after a {args.upload_mib} MiB upload ({time.monotonic() - started:.1f} s): "
            f"RSS {rss:.0f} MiB, peak {peak:.0f} MiB"
        )
    finally:
        for process, _ in processes.values():
            process.terminate()
            process.wait(timeout=30)
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            for database in databases.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
