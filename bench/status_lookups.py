"""Ordinary requests while applicants' status lookups run at their ceiling: p99 beside p99 without them.

Starts asylum as a real uvicorn process on its own PostgreSQL database (the HTTP benchmark's harness, with
Argon2 at its production cost unless told otherwise), opens a case, then alternates two phases of the same
ordinary load (a partner reading one case, fixed concurrency): alone, and while as many status lookups as the
service admits (its hashing slots plus its queue) are kept in flight without pause. The figure is the p99 of
the ordinary request with the lookups beside its p99 without them, measured back to back in the same run; the
target is a ratio of at most 2. `--before PATH` runs the same phases against another checkout of the project
(for example the commit before a change) on the same database, each round measuring every variant in turn.

    python -m bench.status_lookups [--seconds 5] [--rounds 2] [--lookups N] [--before PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.served import ceiling
from bench.served.load import Load, Outcome, run_load
from bench.served.run import PARTNER, PG_ADMIN_URL, Bench, Sizes, note
from bench.served.stack import Databases, Server, Variant, running
from services.asylum.cases.credentials import PRODUCTION_PARAMETERS, available_cores

# The cost of one hash; `--cheap` swaps in a small one so CI proves the benchmark runs in seconds.
PRODUCTION_COST = {
    "ASYLUM_SECRET_HASH_TIME_COST": str(PRODUCTION_PARAMETERS.time_cost),
    "ASYLUM_SECRET_HASH_MEMORY_KIB": str(PRODUCTION_PARAMETERS.memory_cost),
    "ASYLUM_SECRET_HASH_PARALLELISM": str(PRODUCTION_PARAMETERS.parallelism),
}
CHEAP_COST = {
    "ASYLUM_SECRET_HASH_TIME_COST": "1",
    "ASYLUM_SECRET_HASH_MEMORY_KIB": "1024",
    "ASYLUM_SECRET_HASH_PARALLELISM": str(PRODUCTION_PARAMETERS.parallelism),
}
TARGET_RATIO = 2.0


@dataclass
class Lookups:
    """Keeps `loops` status lookups in flight against one server until stopped, counting the answers."""

    url: str
    body: dict[str, str]
    loops: int
    answered: int = 0
    seconds: list[float] = field(default_factory=list)
    refused: int = 0
    failed: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    async def _drive(self) -> None:
        limits = httpx.Limits(max_connections=self.loops, max_keepalive_connections=self.loops)
        async with httpx.AsyncClient(base_url=self.url, limits=limits, timeout=60) as client:

            async def loop() -> None:
                while not self._stop.is_set():
                    started = time.perf_counter()
                    answer = await client.post("/v1/status-lookup", json=self.body)
                    if answer.status_code == 200:
                        self.answered += 1
                        self.seconds.append(time.perf_counter() - started)
                    elif answer.status_code == 503:
                        # Refused at once: come back soon, so the slots and the queue stay full.
                        self.refused += 1
                        await asyncio.sleep(0.05)
                    else:
                        self.failed += 1

            await asyncio.gather(*(loop() for _ in range(self.loops)))

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._drive()), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=120)


@dataclass
class Phase:
    outcome: Outcome
    cpu_ms: float
    lookups_per_second: float = 0.0
    lookup_p50_s: float = 0.0
    refused: int = 0
    failed: int = 0


@dataclass
class Result:
    label: str
    alone: list[Phase]
    loaded: list[Phase]

    @staticmethod
    def _p99(phases: list[Phase]) -> float:
        return statistics.median(p.outcome.p99_ms for p in phases)

    @property
    def ratio(self) -> float:
        return self._p99(self.loaded) / max(self._p99(self.alone), 1e-9)


def seed_case(bench: Bench, server: str) -> tuple[str, dict[str, str]]:
    """A case of the bench partner with its secret: its id, and the body of a right lookup."""
    officer = bench.partner("cases:read", "cases:write")
    applicant_id = str(uuid.uuid4())
    approval = {
        "applicant_id": applicant_id,
        "assessment_id": str(uuid.uuid4()),
        "partner_id": PARTNER,
        "tier": "specialist",
        "policy_version": "2026-1",
        "approved_on": "2026-11-26",
        "entitlements": {},
    }
    bench.event(server, "eligibility", "eligibility.applicant.approved", approval)
    case = bench.call("POST", server, "/v1/cases", 201, headers=officer, json={"applicant_id": applicant_id})
    # The right secret: a lookup then does its full Argon2 work and never trips the throttle.
    return case["id"], {"reference": case["reference"], "secret": case["secret"]}


def measure(server: Server, load: Load, seconds: float, lookups: Lookups | None) -> Phase:
    phase_started = time.perf_counter()
    if lookups is not None:
        lookups.start()
        time.sleep(1)  # the slots and the queue fill
    before_cpu = server.cpu()
    outcome = run_load(server.url, load, seconds)
    spent = server.cpu() - before_cpu
    if lookups is None:
        return Phase(outcome, spent * 1000 / max(outcome.requests, 1))
    lookups.stop()
    # Over the whole phase, filling and draining included: at production cost one lookup may outlast the window.
    rate = lookups.answered / (time.perf_counter() - phase_started)
    typical = statistics.median(lookups.seconds) if lookups.seconds else 0.0
    return Phase(outcome, spent * 1000 / max(outcome.requests, 1), rate, typical, lookups.refused, lookups.failed)


@dataclass
class Target:
    """One variant's server with its case: the ordinary request and the right lookup."""

    label: str
    server: Server
    read: Load
    lookup: dict[str, str]


def prepare(bench: Bench, label: str, server: str) -> Target:
    case_id, body = seed_case(bench, server)
    read = Load("GET", f"/v1/cases/{case_id}", bench.partner("cases:read"))
    target = Target(label, bench.servers[server], read, body)
    run_load(target.server.url, read, 1)  # warm-up
    return target


def run_rounds(targets: list[Target], seconds: float, rounds: int, loops: int) -> list[Result]:
    """Each round measures every variant alone then loaded, so drift in the machine's load falls on all alike."""
    results = {t.label: Result(t.label, [], []) for t in targets}
    for n in range(rounds):
        for t in targets:
            note(f"{t.label}: round {n + 1} of {rounds}, ordinary requests alone")
            results[t.label].alone.append(measure(t.server, t.read, seconds, None))
            note(f"{t.label}: round {n + 1} of {rounds}, with {loops} status lookups in flight")
            results[t.label].loaded.append(measure(t.server, t.read, seconds, Lookups(t.server.url, t.lookup, loops)))
    return list(results.values())


def render(results: list[Result], seconds: float, rounds: int, loops: int, cost: str, load: float) -> str:
    lines = [
        f"Ordinary request: a partner reads one case (16 connections, {seconds:g} s per phase, {rounds} round(s), "
        f"median of the rounds); status lookups: {loops} in flight, Argon2 {cost}; {available_cores()} cores, "
        f"load average {load:.1f} before the run.",
        "",
        "| variant | p99 alone (ceiling) | p99 with lookups | ratio (target <= 2) | p50 alone / with | "
        "req/s alone / with | CPU ms per ordinary request alone | lookups/s (whole phase) | lookup p50 | "
        "lookups refused (503) | other failures |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        a = statistics.median(p.outcome.p50_ms for p in r.alone)
        b = statistics.median(p.outcome.p50_ms for p in r.loaded)
        ra = statistics.median(p.outcome.rate for p in r.alone)
        rb = statistics.median(p.outcome.rate for p in r.loaded)
        failures = sum(p.outcome.failures + p.failed for p in [*r.alone, *r.loaded])
        lines.append(
            f"| {r.label} | {Result._p99(r.alone):.1f} ms | {Result._p99(r.loaded):.1f} ms | {r.ratio:.2f} | "
            f"{a:.1f} / {b:.1f} ms | {ra:.0f} / {rb:.0f} | {statistics.median(p.cpu_ms for p in r.alone):.2f} | "
            f"{statistics.median(p.lookups_per_second for p in r.loaded):.2f} | "
            f"{statistics.median(p.lookup_p50_s for p in r.loaded):.2f} s | "
            f"{sum(p.refused for p in r.loaded)} | {failures} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.status_lookups", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="seconds per phase (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of both phases (default 2)")
    parser.add_argument("--lookups", type=int, help="lookups kept in flight (default: the service's slots + queue)")
    parser.add_argument("--before", type=Path, help="also run another checkout of the project, labelled `before`")
    parser.add_argument("--cheap", action="store_true", help="Argon2 at a small cost (CI: proves the run works)")
    args = parser.parse_args(argv)
    slots = available_cores()
    loops = args.lookups or slots + max(8, 4 * slots)
    os.environ.update(CHEAP_COST if args.cheap else PRODUCTION_COST)
    cost = "t=1, 1 MiB (cheap)" if args.cheap else "t=3, 64 MiB, p=4 (production)"
    variants = {"": Variant()}
    if args.before:
        variants["before"] = Variant(root=args.before.resolve())
    load_before = os.getloadavg()[0]
    databases = Databases(PG_ADMIN_URL)
    try:
        with tempfile.TemporaryDirectory(prefix="carrots-bench-") as tmp:
            var_dir = Path(tmp)
            ceiling_url = databases.create("ceiling")
            ceiling.prepare(ceiling_url, 10)
            note("migrating and starting asylum")
            with running(["asylum"], databases, var_dir, ceiling_url, variants) as servers:
                bench = Bench(servers, var_dir, Sizes(args.seconds, 0, 0, 0, 0), with_ceiling=False)
                targets = [
                    prepare(bench, label or "this checkout", f"asylum@{label}" if label else "asylum")
                    for label in variants
                ]
                results = run_rounds(targets, args.seconds, args.rounds, loops)
    finally:
        databases.drop_all()
    print(render(results, args.seconds, args.rounds, loops, cost, load_before))


if __name__ == "__main__":
    main()
