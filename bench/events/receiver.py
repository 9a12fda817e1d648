"""The consumer: the shared event plumbing a service uses (signature checks, inbox, unit of work) and one effect.

Each event of type `asylum.case.opened` is claimed in the inbox (`processed_events`) and its effect written
(one row in `bench_effects`), as a service's handler would; the counts of SQL statements are served at
`/stats` so the benchmark can report statements per event.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Response
from sqlalchemy import Column, MetaData, String, Table, create_engine, event, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import make_engine, make_sessionmaker, new_metadata
from shared.deps import SessionDep
from shared.inbox import VerifiedEventBatch, apply_event_batch
from shared.plumbing import PlumbingTables, define_plumbing_tables
from shared.schemas.events import CaseOpened, EventBatchResult, EventEnvelope
from shared.servicekeys import PeerKeys, ServiceIdentity, SigningKey
from shared.webhooks import VerifiedEvent, claim_event

PRODUCER = "asylum"
EVENT_TYPE = "asylum.case.opened"
metadata: MetaData = new_metadata()
tables: PlumbingTables = define_plumbing_tables(metadata)
effects = Table(
    "bench_effects",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("partner_id", String(64), nullable=False),
)


def prepare(url: str) -> None:
    """Create the consumer's tables (empty)."""
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()


async def apply_event(session: AsyncSession, envelope: EventEnvelope) -> None:
    """What a consumer's handler does: claim the event id once, then write its effect."""
    if envelope.type != EVENT_TYPE:
        return
    opened = CaseOpened.model_validate(envelope.data)
    if await claim_event(session, tables, envelope.id, envelope.type):
        await session.execute(
            insert(effects).values(event_id=envelope.id, case_id=opened.case_id, partner_id=opened.partner_id)
        )


def create_app() -> FastAPI:
    """The consumer on `BENCH_EVENTS_DATABASE_URL`, trusting `BENCH_EVENTS_PRODUCER_KEY` (PEM) for the producer."""
    engine = make_engine(os.environ["BENCH_EVENTS_DATABASE_URL"])
    statements = {"n": 0}

    def count(*_args: Any) -> None:
        statements["n"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.state.sessionmaker = make_sessionmaker(engine)
    peers = PeerKeys.from_config({PRODUCER: [f"k1:{os.environ['BENCH_EVENTS_PRODUCER_KEY']}"]})
    app.state.identity = ServiceIdentity("consumer", [SigningKey("k1", Ed25519PrivateKey.generate())], peers)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        return {"statements": statements["n"]}

    @app.post("/v1/events", status_code=204)
    async def receive(envelope: VerifiedEvent, session: SessionDep) -> Response:
        await apply_event(session, envelope)
        return Response(status_code=204)

    @app.post("/v1/events/batch")
    async def receive_batch(batch: VerifiedEventBatch, session: SessionDep) -> EventBatchResult:
        return await apply_event_batch(session, tables, batch, apply_event)

    return app
