"""Re-screening N stored applicants (default 100,000) after loading an M-entry list (default 50,000), on PostgreSQL.

The eligibility app runs in process with its worker's job on the same event loop (the embedded worst case: in
production the worker is a process of its own). While the list is loaded and the applicants are re-screened, a
ticker measures how late the event loop wakes (its worst stall) and a client reads an applicant every 50 ms (the
worst and 99th-percentile latency a request saw). Printed beside the ceiling: the same subjects screened in
process against the same index, with nothing else around them.
Run: `python -m bench.rescreening_bench [--applicants N] [--list-entries M]`.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.intake_bench import organisation
from bench.screening_bench import generate_people, make_subjects, write_ofac_xml
from bench.served.stack import Databases
from carrots.registry import SERVICES
from services.eligibility.app import create_app
from services.eligibility.applicants.bulk import register_many
from services.eligibility.applicants.identity import Crypto
from services.eligibility.config import EligibilitySettings
from services.eligibility.screening.engine import ListSource, build_screening_index, parse_sanctions_list
from services.eligibility.screening.lists.service import screen_all
from shared.auth import CallerKind, Principal, issue_token
from shared.devkeys import ensure_dev_signing_key
from shared.migrations import upgrade_to_head
from shared.observability import configure_logging
from shared.registry import OrganisationDirectory
from shared.schemas.eligibility import ApplicantCreate
from shared.schemas.registry import OrganisationKind, RegistrySnapshot
from shared.tenancy import scope_to_tenant
from shared.worker import Worker

PG_ADMIN_URL = os.environ.get("CARROTS_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _p99(values: list[float]) -> float:
    if len(values) < 2:
        return max(values, default=0.0)
    return statistics.quantiles(values, n=100, method="inclusive")[98]


class Watch:
    """The event loop's lateness and a concurrent request's latency while something runs."""

    def __init__(self, client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> None:
        self.client, self.path, self.headers = client, path, headers
        self.stalls: list[float] = []
        self.latencies: list[float] = []

    async def tick(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            self.stalls.append(time.perf_counter() - before - 0.01)

    async def probe(self) -> None:
        while True:
            started = time.perf_counter()
            (await self.client.get(self.path, headers=self.headers)).raise_for_status()
            self.latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)

    async def during(self, work: Any) -> Any:
        tasks = [asyncio.create_task(self.tick()), asyncio.create_task(self.probe())]
        try:
            return await work
        finally:
            for task in tasks:
                task.cancel()

    def summary(self) -> str:
        if not self.latencies:
            return "no request completed"
        p99 = _p99(self.latencies)
        return (
            f"worst loop stall {max(self.stalls, default=0) * 1000:.0f} ms (p99 {_p99(self.stalls) * 1000:.0f} ms, "
            f"{sum(s > 0.05 for s in self.stalls)} over 50 ms); a concurrent applicant read: "
            f"{len(self.latencies)} reads, p99 {p99 * 1000:.0f} ms, worst {max(self.latencies) * 1000:.0f} ms"
        )


def _children_cpu() -> float:
    """CPU seconds used so far by this process's live children (the screening processes)."""
    total, me = 0.0, str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _iso(born: object) -> str | None:
    return born.isoformat() if isinstance(born, date) else None


def _name(full: str) -> dict[str, str]:
    given, _, family = full.rpartition(" ")
    return {"script": "latin" if full.isascii() else "cyrillic", "given": given, "family": family}


def applicants(people: list[Any], count: int, rng: random.Random) -> list[ApplicantCreate]:
    """Half of them listed people respelled, half strangers; each with a birth date."""
    return [
        ApplicantCreate.model_validate(
            {
                "category": "conscript",
                "names": [_name(s.names[0])],
                "birth_date": _iso(s.birth_date),
                "citizenship": "RU",
                "documents": [{"type": "passport", "issuing_country": "RU", "number": f"77 {n:07d}"}],
            }
        )
        for n, s in enumerate(make_subjects(people, count, rng))
    ]


async def run(url: str, var_dir: Path, count: int, entries: int, processes: int) -> dict[str, Any]:
    settings = EligibilitySettings(
        environment="test", database_url=url, var_dir=var_dir, outbox_enabled=False, screening_processes=processes
    )
    app = create_app(settings)
    app.state.registry_preset = OrganisationDirectory.fixed(
        RegistrySnapshot(version=1, organisations=[organisation("DE", OrganisationKind.partner)])
    )
    key = ensure_dev_signing_key(var_dir)
    scopes = ["applicants:read"]
    partner = {"Authorization": f"Bearer {issue_token(key, org='DE', kind=CallerKind.partner, scopes=scopes)}"}
    ops = issue_token(key, org="ops", kind=CallerKind.operator, scopes=["sanctions:write", "sanctions:read"])
    operator = {"Authorization": f"Bearer {ops}"}
    rng = random.Random(20261206)
    people = generate_people(entries, rng)
    document = write_ofac_xml(people)
    figures: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        configure_logging(logging.WARNING)
        crypto = Crypto(cipher=app.state.cipher, blind_index_key=app.state.blind_index_key)
        actor = Principal(org="DE", kind=CallerKind.partner, subject="bench")
        batch = applicants(people, count, rng)
        ids: list[str] = []
        for start in range(0, count, 500):
            async with app.state.sessionmaker() as session, session.begin():
                scope_to_tenant(session, "DE")
                outcomes = await register_many(
                    session, crypto, app.state.screening, app.state.publisher, actor, batch[start : start + 500]
                )
                ids += [o for o in outcomes if isinstance(o, str)]
        # The registration inputs are the bench's, not the service's: gone before anything is measured.
        del batch, outcomes
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
            loading = Watch(client, f"/v1/applicants/{ids[0]}", partner)
            started = time.perf_counter()
            loaded = await loading.during(
                client.post(
                    "/v1/sanctions-lists/ofac_sdn",
                    content=document,
                    headers={**operator, "Content-Type": "application/xml"},
                )
            )
            assert loaded.status_code == 202, loaded.text
            figures["load_s"] = time.perf_counter() - started
            screening = Watch(client, f"/v1/applicants/{ids[0]}", partner)
            started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
            await screening.during(Worker(app, worker_id="bench").run_due_jobs())
            figures["rescreen_s"], figures["cpu_s"] = time.perf_counter() - started, time.process_time() - cpu
            figures["children_cpu_s"] = _children_cpu() - children
            job = (
                await client.get(
                    f"/v1/sanctions-screening-jobs/{loaded.json()['rescreening_job_id']}", headers=operator
                )
            ).json()
        # The ceiling: this process's own index (with screening processes the app keeps none here).
        index = app.state.screening.index or build_screening_index(
            [parse_sanctions_list(io.BytesIO(document), ListSource.OFAC_SDN)]
        )
        subjects = make_subjects(people, min(count, 2_000), rng)
        clock = time.perf_counter()
        screen_all(index, subjects)
        figures["ceiling_rate"] = len(subjects) / (time.perf_counter() - clock)
    figures |= {"job": job, "loading": loading.summary(), "screening": screening.summary()}
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rescreening_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--list-entries", type=int, default=50_000)
    parser.add_argument(
        "--processes", type=int, default=min(2, os.cpu_count() or 1), help="screening processes (0: in process)"
    )
    args = parser.parse_args(argv)
    databases = Databases(PG_ADMIN_URL)
    try:
        url = databases.create("rescreening")
        upgrade_to_head(SERVICES["eligibility"].migrations_dir, url)
        with tempfile.TemporaryDirectory(prefix="carrots-rescreening-") as tmp:
            f = asyncio.run(run(url, Path(tmp), args.applicants, args.list_entries, args.processes))
    finally:
        databases.drop_all()
    job, rate = f["job"], args.applicants / f["rescreen_s"]
    print(
        "\n".join(
            [
                f"re-screening {args.applicants:,} applicants against a {args.list_entries:,}-entry list, PostgreSQL, "
                f"{os.cpu_count()} cores, {args.processes} screening processes, load average {os.getloadavg()[0]:.1f}",
                f"  list load (parse and index in a thread): {f['load_s']:.1f} s; {f['loading']}",
                f"  carrots: {f['rescreen_s']:.1f} s, {rate:,.0f} applicants/s, "
                f"{f['cpu_s'] * 1000 / args.applicants:.2f} ms CPU each in the service's process, "
                f"{f['children_cpu_s'] * 1000 / args.applicants:.2f} ms in screening processes; job {job['status']}, "
                f"{job['processed']:,} of {job['total']:,}; {f['screening']}",
                f"  ceiling: in-process screening against the same index {f['ceiling_rate']:,.0f} applicants/s; "
                f"ratio {rate / f['ceiling_rate']:.2f}",
            ]
        )
    )


if __name__ == "__main__":
    main()
