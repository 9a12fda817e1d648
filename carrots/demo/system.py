"""The demo's running system: `carrots up` on a throw-away folder, and the partner's webhook endpoint."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from carrots.demo.harness import DemoFailure

SERVICE_NAMES = ("eligibility", "payments", "asylum", "testimony", "registry")
START_SECONDS = 240


@dataclass
class WebhookReceiver:
    """A partner's webhook endpoint on localhost: verifies each delivery with the `standardwebhooks` library."""

    secrets: dict[str, str] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def handle(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        from standardwebhooks import Webhook, WebhookVerificationError

        secret = self.secrets.get(path.strip("/"))
        if secret is None:
            self.refused.append(f"{path}: no subscription posts here")
            return 404
        try:
            payload = Webhook(secret).verify(body, headers)
        except WebhookVerificationError as error:
            self.refused.append(f"{path}: {error}")
            return 401
        self.received.append(payload)
        return 204

    def types(self) -> set[str]:
        return {str(p["type"]) for p in self.received}


@contextmanager
def serving(receiver: WebhookReceiver) -> Iterator[str]:
    """Serve the receiver on a free local port in a thread; yields its base URL."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.handle(self.path, body, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@contextmanager
def running_system(folder: Path) -> Iterator[dict[str, str]]:
    """Start `carrots up` on `folder` with free ports; yields each service's URL and stops everything after."""
    ports = dict(zip(SERVICE_NAMES, _free_ports(len(SERVICE_NAMES)), strict=True))
    command = [sys.executable, "-m", "carrots.cli", "up", "--var-dir", str(folder / "var")]
    for name, port in ports.items():
        command += [f"--{name}-port", str(port)]
    # The embedded default: SQLite under the demo's folder, whatever databases this shell points at.
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env["CARROTS_STATE_DIR"] = str(folder / "state")
    for name in SERVICE_NAMES:
        # Events and jobs move quickly so the demo does not wait on pollers.
        env[f"{name.upper()}_OUTBOX_POLL_SECONDS"] = "0.2"
        env[f"{name.upper()}_WORKER_POLL_SECONDS"] = "0.2"
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, start_new_session=True
    )
    output: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        # Keep reading so the services never stall on a full pipe; the log is shown only on failure.
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "Press Ctrl-C" in line:
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        ready.wait(timeout=START_SECONDS)
        if process.poll() is not None or not any("Press Ctrl-C" in line for line in output):
            raise DemoFailure("the services did not start:\n" + "".join(output[-40:]))
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    except DemoFailure:
        typer.echo("".join(output[-40:]), err=True)
        raise
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
