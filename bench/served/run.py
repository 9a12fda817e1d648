"""`python -m bench`: every hot path over HTTP beside this machine's ceiling, in one table.

Starts eligibility, payments and asylum as real uvicorn processes on their own, uniquely named PostgreSQL
databases (dropped after), and the ceiling app beside them; drives each operation at 16 connections for a
fixed time (wrk when installed, else httpx), then the ceiling's matching operation, back to back; reads each
server's CPU from /proc; prints one table. `--quick` runs short for CI.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.ledger_seed import seed as seed_ledger
from bench.screening_bench import generate_people, make_subjects, write_ofac_xml
from bench.served import ceiling
from bench.served.load import CONCURRENCY, Load, Outcome, run_load, wrk_available
from bench.served.stack import Databases, Server, running
from services.eligibility.screening.engine import build_screening_index, parse_ofac_sdn
from shared.auth import CallerKind, issue_token
from shared.devkeys import DEV_SERVICE_KID, ensure_dev_signing_key, ensure_service_key
from shared.servicekeys import PeerKeys, ServiceIdentity, load_signing_keys
from shared.webhooks import sign_event

PG_ADMIN_URL = os.environ.get("CARROTS_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PARTNER = "DE"
AUDITED = "AU"
NGO = "NGO-BENCH"


@dataclass(frozen=True)
class Sizes:
    seconds: float
    payouts: int
    export_rows: int
    intake_rows: int
    list_entries: int


QUICK = Sizes(seconds=1, payouts=2_000, export_rows=20_000, intake_rows=200, list_entries=2_000)
FULL = Sizes(seconds=10, payouts=20_000, export_rows=200_000, intake_rows=2_000, list_entries=20_000)


@dataclass
class Row:
    operation: str
    unit: str
    carrots: float
    ceiling: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu_ms: float | None = None
    ceiling_cpu_ms: float | None = None
    failures: int = 0

    @property
    def ratio(self) -> float:
        return self.carrots / self.ceiling if self.ceiling else 0.0


def note(message: str) -> None:
    """Progress on stderr, so the table on stdout stays clean."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def applicant_body(number: str) -> dict[str, Any]:
    return {
        "category": "conscript",
        "names": [{"script": "cyrillic", "given": "Иван", "family": "Петров"}],
        "birth_date": "1999-04-01",
        "citizenship": "RU",
        "documents": [{"type": "passport", "issuing_country": "RU", "number": number}],
    }


class Bench:
    def __init__(self, servers: dict[str, Server], var_dir: Path, sizes: Sizes, *, with_ceiling: bool = True) -> None:
        self.servers = servers
        self.with_ceiling = with_ceiling
        self.var_dir = var_dir
        self.sizes = sizes
        self.key = ensure_dev_signing_key(var_dir)
        self.http = httpx.Client(timeout=120)

    def token(self, org: str, kind: CallerKind, *scopes: str, mandates: tuple[str, ...] = ()) -> dict[str, str]:
        token = issue_token(
            self.key, org=org, kind=kind, scopes=scopes, subject=f"bench@{org}", ttl_seconds=7200, mandates=mandates
        )
        return {"Authorization": f"Bearer {token}"}

    def partner(self, *scopes: str) -> dict[str, str]:
        return self.token(PARTNER, CallerKind.partner, *scopes)

    def call(self, method: str, service: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = self.http.request(method, self.servers[service].url + path, **kwargs)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {service}{path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def event(self, service: str, source: str, event_type: str, data: dict[str, Any]) -> None:
        key = ensure_service_key(self.var_dir, source)
        identity = ServiceIdentity(source, load_signing_keys([f"{DEV_SERVICE_KID}:{key}"]), PeerKeys())
        envelope = {
            "id": str(uuid.uuid4()),
            "type": event_type,
            "source": source,
            "occurred_at": datetime.now(UTC).isoformat(),
            "partner_id": data["partner_id"],
            "data": data,
        }
        body = json.dumps(envelope).encode()
        headers = sign_event(identity, body, event_id=str(envelope["id"]))
        self.call("POST", service, "/v1/events", 204, content=body, headers=headers)

    def cpu(self, service: str) -> float:
        """CPU seconds used so far by a service's API process and its worker."""
        return sum(s.cpu() for name, s in self.servers.items() if name in {service, f"{service}-worker"})

    def measure(self, server: str, load: Load) -> tuple[Outcome, float]:
        """Drive one load at a server; the outcome and the server's CPU milliseconds per request."""
        process = self.servers[server]
        before = process.cpu()
        outcome = run_load(process.url, load, self.sizes.seconds)
        spent = process.cpu() - before
        return outcome, spent * 1000 / max(outcome.requests, 1)

    def pair(self, operation: str, server: str, load: Load, ceiling_load: Load) -> Row:
        note(operation)
        ours, ours_cpu = self.measure(server, load)
        if not self.with_ceiling:
            return Row(operation, "req/s", ours.rate, 0.0, ours.p50_ms, ours.p99_ms, ours_cpu, None, ours.failures)
        theirs, theirs_cpu = self.measure("ceiling", ceiling_load)
        return Row(
            operation,
            "req/s",
            ours.rate,
            theirs.rate,
            ours.p50_ms,
            ours.p99_ms,
            ours_cpu,
            theirs_cpu,
            ours.failures + theirs.failures,
        )


def seed_obligations(b: Bench, count: int) -> tuple[str, list[str]]:
    """A funded account and `count` due obligations with the beneficiary's bank account on file.

    One obligation is released by a real approval event; the others are copies of it made in SQL (with
    their own ids and keys), since releasing thousands through events would take minutes.
    """
    headers = b.partner("ledger:write", "obligations:read", "bank_accounts:write")
    account = b.call(
        "POST",
        "payments",
        "/v1/accounts",
        201,
        headers=headers,
        json={
            "currency": "USD",
            "kind": "funding",
            "bank_iban": "DE89370400440532013000",
            "bank_holder": "Treasury DE",
        },
    )
    b.call(
        "POST",
        "payments",
        "/v1/contributions",
        201,
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        json={"funding_account_id": account["id"], "amount_minor": 100 * count + 1_000, "reference": "budget"},
    )
    payee = f"bench-payee-{uuid.uuid4().hex[:8]}"
    b.event(
        "payments",
        "eligibility",
        "eligibility.applicant.approved",
        {
            "applicant_id": payee,
            "assessment_id": str(uuid.uuid4()),
            "partner_id": PARTNER,
            "tier": "soldier",
            "policy_version": "2026-1",
            "approved_on": "2026-11-01",
            "entitlements": {
                "bounty": {
                    "currency": "USD",
                    "total_minor": 100,
                    "tranches": [{"amount_minor": 100, "trigger": "approval"}],
                }
            },
        },
    )
    b.call(
        "PUT",
        "payments",
        f"/v1/beneficiaries/{payee}/bank-account",
        200,
        headers=headers,
        json={"iban": "GB82WEST12345698765432", "holder": "Beneficiary Holder"},
    )
    (template,) = b.call(
        "GET",
        "payments",
        "/v1/obligations",
        200,
        headers=headers,
        params={"applicant_id": payee, "status": "due"},
    )["items"]
    url = b.servers["payments"].database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        columns = [
            r[0]
            for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'obligations'")
        ]
        copied = {"id": "gen_random_uuid()::text", "key": "key || '-' || g"}
        select = ", ".join(copied.get(c, c) for c in columns)
        ids = [
            r[0]
            for r in conn.execute(
                f"INSERT INTO obligations ({', '.join(columns)}) SELECT {select} FROM obligations, "
                "generate_series(1, %s) AS g WHERE id = %s RETURNING id",
                (count - 1, template["id"]),
            )
        ]
    return account["id"], [template["id"], *ids]


def wait_for(b: Bench, service: str, path: str, headers: dict[str, str], done: Callable[[Any], bool]) -> Any:
    while True:
        state = b.call("GET", service, path, 200, headers=headers)
        if state["status"] in {"failed", "interrupted"}:
            raise RuntimeError(f"{path}: {state['status']}")
        if done(state):
            return state
        time.sleep(0.5)


@dataclass(frozen=True)
class Ceilings:
    read: Load
    insert: Load


def ceilings(item_id: str) -> Ceilings:
    body = json.dumps({"name": "bench {n}", "amount_minor": 100})
    return Ceilings(
        Load("GET", f"/items/{item_id}"), Load("POST", "/items", {"Content-Type": "application/json"}, body)
    )


def writer(b: Bench) -> dict[str, str]:
    return b.partner("applicants:write", "applicants:read")


def measure_read(b: Bench, c: Ceilings, sizes: Sizes) -> Row:
    """A partner reads one applicant."""
    applicant = b.call(
        "POST", "eligibility", "/v1/applicants", 201, headers=writer(b), json=applicant_body("70 0000001")
    )
    load = Load("GET", f"/v1/applicants/{applicant['id']}", writer(b))
    return b.pair("partner reads one applicant", "eligibility", load, c.read)


def measure_shared_read(b: Bench, c: Ceilings, sizes: Sizes) -> Row:
    """An NGO reads one case shared with it."""
    officer = b.partner("cases:read", "cases:write", "cases:consent")
    applicant_id = str(uuid.uuid4())
    # A partner opens cases only for applicants asylum heard eligibility approve under that partner.
    approval = {
        "applicant_id": applicant_id,
        "assessment_id": str(uuid.uuid4()),
        "partner_id": PARTNER,
        "tier": "specialist",
        "policy_version": "2026-1",
        "approved_on": "2026-11-26",
        "entitlements": {},
    }
    b.event("asylum", "eligibility", "eligibility.applicant.approved", approval)
    case = b.call("POST", "asylum", "/v1/cases", 201, headers=officer, json={"applicant_id": applicant_id})
    grant = {"ngo_org": NGO, "level": "full"}
    b.call("POST", "asylum", f"/v1/cases/{case['id']}/access-grants", 201, headers=officer, json=grant)
    ngo = b.token(NGO, CallerKind.ngo, "shared-cases:read")
    return b.pair("NGO reads one shared case", "asylum", Load("GET", f"/v1/shared-cases/{case['id']}", ngo), c.read)


def measure_registration(b: Bench, c: Ceilings, sizes: Sizes) -> Row:
    """Registration: every request a new person with a new document number."""
    body = json.dumps(applicant_body("71 {n}"), ensure_ascii=False)
    headers = {**writer(b), "Content-Type": "application/json"}
    load = Load("POST", "/v1/applicants", headers, body, first=1_000_000)
    return b.pair("registration", "eligibility", load, c.insert)


def measure_payouts(b: Bench, c: Ceilings, sizes: Sizes) -> Row:
    """Payout creation: each request pays another due obligation under its own Idempotency-Key."""
    note(f"seeding {sizes.payouts:,} due obligations")
    funding, obligations = seed_obligations(b, sizes.payouts)
    headers = {**b.partner("payouts:write"), "Content-Type": "application/json", "Idempotency-Key": "bench-{n}"}
    body = json.dumps({"obligation_id": "{id}", "funding_account_id": funding})
    load = Load("POST", "/v1/payouts", headers, body, tuple(obligations))
    row = b.pair("payout creation (Idempotency-Key)", "payments", load, c.insert)
    # Obligations are finite: a run faster than the seed would pay some twice and be refused; say so.
    row.failures += max(0, round(row.carrots * sizes.seconds) - len(obligations))
    return row


def measure_intake_rows(b: Bench, c: Ceilings, sizes: Sizes) -> Row:
    insert_rate = b.measure("ceiling", c.insert)[0].rate
    return measure_intake(b, sizes, writer(b), insert_rate)


OPERATIONS: dict[str, Callable[[Bench, Ceilings, Sizes], Row]] = {
    "read": measure_read,
    "shared-read": measure_shared_read,
    "registration": measure_registration,
    "payout": measure_payouts,
    "export": lambda b, _c, sizes: measure_export(b, sizes),
    "intake": measure_intake_rows,
    "rescreening": lambda b, _c, sizes: measure_rescreening(b, sizes),
}


def stream_rows(b: Bench, server: str, path: str, headers: dict[str, str]) -> tuple[float, int, float]:
    """Stream one export; rows per second, rows, the server's CPU milliseconds per 1,000 rows."""
    process = b.servers[server]
    before, started, lines = process.cpu(), time.perf_counter(), 0
    with b.http.stream("GET", process.url + path, headers=headers) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    return lines / elapsed, lines, (process.cpu() - before) * 1e6 / max(lines, 1)


def measure_export(b: Bench, sizes: Sizes) -> Row:
    note(f"seeding {sizes.export_rows:,} ledger entries, then the export")
    url = b.servers["payments"].database_url
    seed_ledger(url, sizes.export_rows, Ed25519PrivateKey.generate(), partner=AUDITED)
    auditor = b.token("AUDIT-FIRM", CallerKind.auditor, "ledger:audit", mandates=(AUDITED,))
    ours, _, ours_cpu = stream_rows(b, "payments", f"/v1/audit/partners/{AUDITED}/export?format=jsonl", auditor)
    theirs, _, theirs_cpu = stream_rows(b, "ceiling", "/export", {})
    return Row(
        "auditor export, JSON Lines", "rows/s", ours, theirs, cpu_ms=ours_cpu / 1000, ceiling_cpu_ms=theirs_cpu / 1000
    )


def measure_intake(b: Bench, sizes: Sizes, writer: dict[str, str], insert_rate: float) -> Row:
    note(f"bulk intake of {sizes.intake_rows:,} rows")
    lines = "\n".join(json.dumps(applicant_body(f"72 {n:07d}"), ensure_ascii=False) for n in range(sizes.intake_rows))
    before, started = b.cpu("eligibility"), time.perf_counter()
    job = b.call(
        "POST",
        "eligibility",
        "/v1/intake-jobs",
        202,
        content=lines.encode(),
        headers={**writer, "Content-Type": "application/x-ndjson"},
    )
    state = wait_for(b, "eligibility", f"/v1/intake-jobs/{job['id']}", writer, lambda s: s["status"] == "completed")
    elapsed = time.perf_counter() - started
    cpu = (b.cpu("eligibility") - before) * 1000 / sizes.intake_rows
    return Row(
        f"bulk intake, {sizes.intake_rows:,} rows (ceiling: one-row inserts)",
        "rows/s",
        sizes.intake_rows / elapsed,
        insert_rate,
        cpu_ms=cpu,
        failures=state["rejected_rows"],
    )


def measure_rescreening(b: Bench, sizes: Sizes) -> Row:
    note(f"loading a {sizes.list_entries:,}-entry list, then re-screening")
    rng = random.Random(20261206)
    people = generate_people(sizes.list_entries, rng)
    document = write_ofac_xml(people)
    operator = b.token("ops", CallerKind.operator, "sanctions:write")
    before, started = b.cpu("eligibility"), time.perf_counter()
    loaded = b.call(
        "POST",
        "eligibility",
        "/v1/sanctions-lists/ofac_sdn",
        202,
        content=document,
        headers={**operator, "Content-Type": "application/xml"},
    )
    job_path = f"/v1/sanctions-screening-jobs/{loaded['rescreening_job_id']}"
    state = wait_for(b, "eligibility", job_path, operator, lambda s: s["status"] == "completed")
    elapsed = time.perf_counter() - started
    screened = max(state["total"], 1)
    cpu = (b.cpu("eligibility") - before) * 1000 / screened
    # The ceiling: the same list parsed and indexed in process, then as many subjects screened.
    index = build_screening_index([parse_ofac_sdn(io.BytesIO(document))])
    subjects = make_subjects(people, min(screened, 2_000), rng)
    clock = time.perf_counter()
    for subject in subjects:
        index.screen(subject)
    ceiling_rate = len(subjects) / (time.perf_counter() - clock)
    return Row(
        f"re-screening {screened:,} applicants, {sizes.list_entries:,}-entry list (ceiling: in process)",
        "applicants/s",
        screened / elapsed,
        ceiling_rate,
        cpu_ms=cpu,
        ceiling_cpu_ms=1000 / ceiling_rate,
    )


def _cpu(ms: float | None) -> str:
    if ms is None:
        return "-"
    return f"{ms:.2f} ms" if ms >= 0.1 else f"{ms * 1000:.0f} µs"


def render(rows: list[Row], sizes: Sizes, seconds: float, load_before: float) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    generator = "wrk" if wrk_available() else "httpx (in process)"
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip() or "PostgreSQL"
    lines = [
        f"carrots over HTTP, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, {pg}; one uvicorn process per app, {generator}, "
        f"{CONCURRENCY} connections, {sizes.seconds:g} s per run; whole run {seconds:.0f} s; "
        f"load average before {load_before:.1f}, after {os.getloadavg()[0]:.1f}",
        "",
        "| operation | carrots | ceiling | ratio | p50 / p99 ms | server CPU each (ceiling) | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        latency = "-" if r.p50_ms is None else f"{r.p50_ms:.1f} / {r.p99_ms:.1f}"
        lines.append(
            f"| {r.operation} | {r.carrots:,.0f} {r.unit} | {r.ceiling:,.0f} {r.unit} | {r.ratio:.2f} | {latency} | "
            f"{_cpu(r.cpu_ms)} ({_cpu(r.ceiling_cpu_ms)}) | {r.failures} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs and small data (CI)")
    parser.add_argument("--seconds", type=float, help="seconds per load run (default 10, quick 2)")
    parser.add_argument("--only", help=f"comma-separated operations to run, of: {', '.join(OPERATIONS)} (default: all)")
    args = parser.parse_args(argv)
    only = args.only.split(",") if args.only else list(OPERATIONS)
    if unknown := set(only) - set(OPERATIONS):
        parser.error(f"unknown operations: {', '.join(sorted(unknown))}")
    sizes = QUICK if args.quick else FULL
    if args.seconds:
        sizes = Sizes(
            args.seconds, *(getattr(sizes, f) for f in ("payouts", "export_rows", "intake_rows", "list_entries"))
        )
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    databases = Databases(PG_ADMIN_URL)
    try:
        with tempfile.TemporaryDirectory(prefix="carrots-bench-") as tmp:
            var_dir = Path(tmp)
            ceiling_url = databases.create("ceiling")
            item_id = ceiling.prepare(ceiling_url, sizes.export_rows)
            note("migrating and starting eligibility, payments, asylum and the ceiling app")
            with running(["eligibility", "payments", "asylum"], databases, var_dir, ceiling_url) as servers:
                bench = Bench(servers, var_dir, sizes)
                rows = [OPERATIONS[name](bench, ceilings(item_id), sizes) for name in only]
    finally:
        databases.drop_all()
    print(render(rows, sizes, time.perf_counter() - started, load_before))
