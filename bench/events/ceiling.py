"""The ceiling: a minimal FastAPI receiver that checks one Ed25519 signature and inserts one inbox row per POST.

No shared code at all: what this machine and this stack can do at best for one signed event per request.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import FastAPI, HTTPException, Request, Response
from sqlalchemy import Column, DateTime, MetaData, String, Table, create_engine, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

metadata = MetaData()
inbox = Table(
    "inbox",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)


def prepare(url: str) -> None:
    """Create the ceiling's inbox table (empty)."""
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def create_app() -> FastAPI:
    """The ceiling receiver on `CEILING_DATABASE_URL`, trusting the public key in `CEILING_PUBLIC_KEY` (PEM)."""
    engine = create_async_engine(os.environ["CEILING_DATABASE_URL"], pool_size=10, max_overflow=10)
    key = load_pem_public_key(os.environ["CEILING_PUBLIC_KEY"].encode())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/events", status_code=204)
    async def receive(request: Request) -> Response:
        body = await request.body()
        message_id = request.headers["webhook-id"]
        signed = f"{message_id}.{request.headers['webhook-timestamp']}.".encode() + body
        signature = base64.b64decode(request.headers["webhook-signature"].split(",", 1)[1])
        try:
            key.verify(signature, signed)  # type: ignore[union-attr, call-arg]
        except InvalidSignature as exc:
            raise HTTPException(401) from exc
        event = json.loads(body)
        async with engine.begin() as conn:
            await conn.execute(
                insert(inbox)
                .values(event_id=event["id"], type=event["type"], received_at=datetime.now(UTC))
                .on_conflict_do_nothing()
            )
        return Response(status_code=204)

    @app.get("/count")
    async def count() -> dict[str, int]:
        async with engine.connect() as conn:
            return {"rows": int((await conn.execute(text("SELECT count(*) FROM inbox"))).scalar_one())}

    return app
