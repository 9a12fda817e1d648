"""A bounded load generator: fixed concurrency for a fixed time, wrk when installed, else httpx in process.

A request is described once (method, path, headers, body) with placeholders filled per request: `{n}` is a
number unique within the run, `{id}` the next value of `ids`. wrk gets the same description as a Lua script.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CONCURRENCY = 16


@dataclass(frozen=True)
class Load:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    ids: tuple[str, ...] = ()
    first: int = 0


@dataclass(frozen=True)
class Outcome:
    requests: int
    failures: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _fill(template: str, n: int, ids: tuple[str, ...]) -> str:
    text = template.replace("{n}", str(n))
    return text.replace("{id}", ids[n % len(ids)]) if ids else text


def _lua(text: str) -> str:
    return "[==[" + text + "]==]"


LUA = """
local threads = 0
local method, path, body, first = %(method)s, %(path)s, %(body)s, %(first)d
local headers = {%(headers)s}
local ids = {%(ids)s}
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  step = tonumber(args[1])
  n = first + tid
end
local function fill(s, k)
  s = string.gsub(s, "{n}", tostring(k))
  if #ids > 0 then s = string.gsub(s, "{id}", ids[(k %% #ids) + 1]) end
  return s
end
function request()
  local k = n
  n = n + step
  local h = {}
  for name, value in pairs(headers) do h[name] = fill(value, k) end
  local b = nil
  if #body > 0 then b = fill(body, k) end
  return wrk.format(method, fill(path, k), h, b)
end
function done(summary, latency, requests)
  local line = "\\nRESULT {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"status\\": %%d, "
    .. "\\"errors\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d}\\n"
  io.write(string.format(line, summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _run_wrk(base_url: str, load: Load, seconds: float) -> Outcome:
    threads = 2
    script = LUA % {
        "method": _lua(load.method),
        "path": _lua(load.path),
        "body": _lua(load.body),
        "first": load.first,
        "headers": ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in load.headers.items()),
        "ids": ", ".join(_lua(i) for i in load.ids),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        command = ["wrk", "-t", str(threads), "-c", str(CONCURRENCY), "-d", f"{max(1, round(seconds))}s"]
        command += ["--timeout", "10s", "-s", f.name, base_url, "--", str(threads)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    finally:
        Path(f.name).unlink()
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(line.removeprefix("RESULT "))
    return Outcome(
        requests=figures["requests"],
        failures=figures["status"] + figures["errors"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
    )


async def _run_httpx(base_url: str, load: Load, seconds: float) -> Outcome:
    latencies: list[float] = []
    failures = 0
    counter = iter(range(load.first, 1 << 62))
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) as client:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal failures
            while time.perf_counter() < stop:
                n = next(counter)
                headers = {k: _fill(v, n, load.ids) for k, v in load.headers.items()}
                content = _fill(load.body, n, load.ids).encode() if load.body else None
                started = time.perf_counter()
                response = await client.request(
                    load.method, _fill(load.path, n, load.ids), headers=headers, content=content
                )
                latencies.append(time.perf_counter() - started)
                failures += response.status_code >= 400

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Outcome(len(latencies), failures, elapsed, cuts[49] * 1000, cuts[98] * 1000)


def run_load(base_url: str, load: Load, seconds: float) -> Outcome:
    """Drive one request shape at fixed concurrency for `seconds`."""
    if wrk_available():
        return _run_wrk(base_url, load, seconds)
    return asyncio.run(_run_httpx(base_url, load, seconds))
