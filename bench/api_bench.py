"""Throughput of the eligibility API in process: register and read applicants, on SQLite and PostgreSQL.

Prints requests per second for each step; every request goes through auth, tenant scoping, field
encryption, the audit log and one committed transaction. Run: `.venv/bin/python bench/api_bench.py [N]`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

from carrots.registry import SERVICES
from services.eligibility.app import create_app
from services.eligibility.config import EligibilitySettings
from shared.auth import CallerKind, issue_token
from shared.devkeys import ensure_dev_signing_key
from shared.migrations import upgrade_to_head

BODY = {
    "category": "conscript",
    "names": [{"script": "cyrillic", "given": "Иван", "family": "Петров"}],
    "birth_date": "1999-04-01",
    "citizenship": "RU",
    "documents": [{"type": "passport", "issuing_country": "RU", "number": "75 1234567"}],
}


async def run(url: str, var_dir: Path, n: int, concurrency: int) -> dict[str, float]:
    upgrade_to_head(SERVICES["eligibility"].migrations_dir, url)
    app = create_app(EligibilitySettings(environment="test", database_url=url, var_dir=var_dir, outbox_enabled=False))
    key = ensure_dev_signing_key(var_dir)
    token = issue_token(key, org="DE", kind=CallerKind.partner, scopes=["applicants:write", "applicants:read"])
    headers = {"Authorization": f"Bearer {token}"}
    figures: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            ids: list[str] = []
            gate = asyncio.Semaphore(concurrency)

            async def register(i: int) -> None:
                async with gate:
                    body = {**BODY, "documents": [{**BODY["documents"][0], "number": f"75 {i:07d}"}]}  # type: ignore[dict-item]
                    r = await client.post("/v1/applicants", json=body, headers=headers)
                    r.raise_for_status()
                    ids.append(r.json()["id"])

            async def read(applicant_id: str) -> None:
                async with gate:
                    (await client.get(f"/v1/applicants/{applicant_id}", headers=headers)).raise_for_status()

            started = time.perf_counter()
            await asyncio.gather(*(register(i) for i in range(n)))
            figures["register/s"] = n / (time.perf_counter() - started)
            started = time.perf_counter()
            await asyncio.gather(*(read(a) for a in ids))
            figures["read/s"] = n / (time.perf_counter() - started)
    return figures


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        results = {"sqlite": asyncio.run(run(f"sqlite+aiosqlite:///{var_dir / 'bench.db'}", var_dir, n, 1))}
        try:
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS carrots_bench WITH (FORCE)")
                conn.execute("CREATE DATABASE carrots_bench")
            pg = "postgresql+psycopg://postgres@127.0.0.1:5432/carrots_bench"
            results["postgresql"] = asyncio.run(run(pg, var_dir, n, 8))
        except psycopg.OperationalError as exc:
            print(f"postgresql skipped: {exc}")
    for backend, figures in results.items():
        line = ", ".join(f"{k} {v:,.0f}" for k, v in figures.items())
        print(f"eligibility in process, {backend}, {n} applicants: {line}")


if __name__ == "__main__":
    main()
