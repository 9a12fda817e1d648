"""Bulk intake of N applicants (default 100,000) on PostgreSQL, beside a plain batched insert of the same rows.

The intake runs as in production: the upload is POSTed to the eligibility app (in process), the worker's job
registers it chunk by chunk (checks, encryption, keyed hashes, duplicates, screening, audit, outbox), and a
client polls the job's progress every second as the CLI does. Printed: wall time, rows per second, CPU per
row, the process's resident memory as the job advances (flat means it does not grow with the rows done), the
size of a progress answer, and the ceiling: the same number of applicant and document rows, with ciphertexts
of the same size, inserted in batches of the same size by SQLAlchemy Core.
Run: `python -m bench.intake_bench [--rows N] [--list-entries M]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from bench.screening_bench import generate_people, write_ofac_xml
from bench.served.stack import Databases
from carrots.registry import SERVICES
from services.eligibility.app import create_app
from services.eligibility.config import EligibilitySettings
from services.eligibility.intake import service as intake_service
from services.eligibility.models import Applicant, ApplicantDocument
from shared.auth import CallerKind, issue_token
from shared.devkeys import ensure_dev_signing_key
from shared.migrations import upgrade_to_head
from shared.observability import configure_logging
from shared.registry import OrganisationDirectory
from shared.schemas.registry import OrganisationKind, OrganisationRead, OrganisationStatus, RegistrySnapshot
from shared.worker import Worker

PG_ADMIN_URL = os.environ.get("CARROTS_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PAGE = os.sysconf("SC_PAGE_SIZE")


def organisation(code: str, kind: OrganisationKind) -> OrganisationRead:
    """An active organisation as the registry lists it."""
    now = datetime.now(UTC)
    return OrganisationRead(
        code=code,
        kind=kind,
        name=code,
        status=OrganisationStatus.active,
        issuer=None,
        jwks_url=None,
        currencies=[],
        mandates=[],
        revision=1,
        created_at=now,
        updated_at=now,
    )


def rss_mb() -> float:
    """The process's resident memory now, in MB."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE / 1e6


def upload(rows: int) -> bytes:
    """JSON Lines of `rows` conscripts with distinct passports (one in a thousand registered twice)."""
    lines = []
    for n in range(rows):
        number = n - 1 if n % 1000 == 999 else n
        lines.append(
            json.dumps(
                {
                    "category": "conscript",
                    "names": [
                        {"script": "cyrillic", "given": "Иван", "family": f"Петров{n % 97}"},
                        {"script": "latin", "given": "Ivan", "family": f"Petrov{n % 97}"},
                    ],
                    "birth_date": "1999-04-01",
                    "citizenship": "RU",
                    "rank_or_post": "private",
                    "documents": [{"type": "passport", "issuing_country": "RU", "number": f"76 {number:07d}"}],
                    "evidence": {"service_verified": True},
                },
                ensure_ascii=False,
            )
        )
    return "\n".join(lines).encode()


async def intake(url: str, var_dir: Path, rows: int, list_entries: int) -> dict[str, Any]:
    app = create_app(EligibilitySettings(environment="test", database_url=url, var_dir=var_dir, outbox_enabled=False))
    key = ensure_dev_signing_key(var_dir)
    scopes = ["applicants:write", "applicants:read"]
    partner = {"Authorization": f"Bearer {issue_token(key, org='DE', kind=CallerKind.partner, scopes=scopes)}"}
    operator = {
        "Authorization": f"Bearer {issue_token(key, org='ops', kind=CallerKind.operator, scopes=['sanctions:write'])}"
    }
    figures: dict[str, Any] = {}
    # The organisations the tokens name, as a registry would list them (no registry service here).
    app.state.registry_preset = OrganisationDirectory.fixed(
        RegistrySnapshot(
            version=1,
            organisations=[
                organisation("DE", OrganisationKind.partner),
            ],
        )
    )
    async with app.router.lifespan_context(app):
        configure_logging(logging.WARNING)  # no request log lines between the figures
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
            if list_entries:
                document = write_ofac_xml(generate_people(list_entries, random.Random(7)))
                loaded = await client.post(
                    "/v1/sanctions-lists/ofac_sdn",
                    content=document,
                    headers={**operator, "Content-Type": "application/xml"},
                )
                loaded.raise_for_status()
                await Worker(app, worker_id="bench").run_due_jobs()  # the re-screening of nobody
            body = upload(rows)
            figures["rss_before"] = rss_mb()
            started, cpu = time.perf_counter(), time.process_time()
            created = await client.post(
                "/v1/intake-jobs", content=body, headers={**partner, "Content-Type": "application/x-ndjson"}
            )
            assert created.status_code == 202, created.text
            job_id = created.json()["id"]
            del body
            samples: list[tuple[int, float]] = []
            progress_bytes = 0

            async def poll() -> None:
                nonlocal progress_bytes
                while True:
                    await asyncio.sleep(1)
                    answer = await client.get(f"/v1/intake-jobs/{job_id}", headers=partner)
                    progress_bytes = max(progress_bytes, len(answer.content))
                    samples.append((answer.json()["processed_rows"], rss_mb()))

            poller = asyncio.create_task(poll())
            await Worker(app, worker_id="bench").run_due_jobs()
            poller.cancel()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            job = (await client.get(f"/v1/intake-jobs/{job_id}", headers=partner)).json()
            rejected = await client.get(f"/v1/intake-jobs/{job_id}/rows?status=rejected", headers=partner)
    figures |= {
        "elapsed": elapsed,
        "cpu": cpu,
        "job": job,
        "samples": samples,
        "progress_bytes": progress_bytes,
        "rejected_page_bytes": len(rejected.content),
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
    }
    return figures


async def ceiling(url: str, rows: int) -> float:
    """Rows per second of a plain batched insert of as many applicants and documents, ciphertext-sized."""
    engine = create_async_engine(url)
    sealed = "cv2.DE.1." + "x" * 120
    now = datetime.now(UTC)
    started = time.perf_counter()
    try:
        for start in range(0, rows, intake_service.CHUNK):
            ids = [str(uuid.uuid4()) for _ in range(min(intake_service.CHUNK, rows - start))]
            async with engine.begin() as conn:
                await conn.execute(
                    insert(Applicant),
                    [
                        {
                            "id": i,
                            "partner_id": "CEILING",
                            "category": "conscript",
                            "names_enc": sealed,
                            "birth_date_enc": sealed,
                            "citizenship": "RU",
                            "rank_or_post_enc": sealed,
                            "contacts_enc": None,
                            "service_verified": True,
                            "arrived_in_partner_territory": False,
                            "left_post": False,
                            "main_applicant_id": None,
                            "duplicate_status": "none",
                            "screening_status": "clear",
                            "created_at": now,
                            "created_by": "bench",
                        }
                        for i in ids
                    ],
                )
                await conn.execute(
                    insert(ApplicantDocument),
                    [
                        {"applicant_id": i, "doc_type": "passport", "issuing_country": "RU", "number_hash": i}
                        for i in ids
                    ],
                )
        return rows / (time.perf_counter() - started)
    finally:
        await engine.dispose()


def report(rows: int, list_entries: int, figures: dict[str, Any], ceiling_rate: float) -> str:
    job, samples = figures["job"], figures["samples"]
    rate = rows / figures["elapsed"]
    marks = [samples[min(len(samples) - 1, int(len(samples) * f))] for f in (0.1, 0.5, 1.0)] if samples else []
    memory = ", ".join(f"{done:,} rows done {mb:.0f} MB" for done, mb in marks)
    load = os.getloadavg()[0]
    return "\n".join(
        [
            f"bulk intake of {rows:,} rows (JSON Lines; sanctions list of {list_entries:,} entries), PostgreSQL, "
            f"{os.cpu_count()} cores, load average {load:.1f}",
            f"  carrots: {figures['elapsed']:.1f} s, {rate:,.0f} rows/s, {figures['cpu'] * 1000 / rows:.2f} ms CPU per "
            f"row; {job['status']}: {job['accepted_rows']:,} accepted, {job['rejected_rows']:,} rejected",
            f"  ceiling: plain batched insert of the same rows {ceiling_rate:,.0f} rows/s; "
            f"ratio {rate / ceiling_rate:.2f}",
            f"  memory: {figures['rss_before']:.0f} MB before the upload; {memory}; peak {figures['peak_rss']:.0f} MB",
            f"  progress answer {figures['progress_bytes']:,} bytes; first page of rejected rows "
            f"{figures['rejected_page_bytes']:,} bytes",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--list-entries", type=int, default=0, help="load a generated sanctions list first")
    args = parser.parse_args(argv)
    databases = Databases(PG_ADMIN_URL)
    try:
        url = databases.create("intake")
        upgrade_to_head(SERVICES["eligibility"].migrations_dir, url)
        with tempfile.TemporaryDirectory(prefix="carrots-intake-") as tmp:
            figures = asyncio.run(intake(url, Path(tmp), args.rows, args.list_entries))
        ceiling_rate = asyncio.run(ceiling(url, args.rows))
    finally:
        databases.drop_all()
    print(report(args.rows, args.list_entries, figures, ceiling_rate))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
