"""The ceiling: a minimal FastAPI + async SQLAlchemy + psycopg app doing the same kind of work as the services.

No auth, no tenants, no encryption, no audit: one-row ORM read, one-row ORM insert and a Python streaming
export, so the benchmark shows what this machine and this stack can do at best.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import BigInteger, DateTime, String, create_engine, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Row(Base):
    __tablename__ = "rows"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    id: Mapped[str] = mapped_column(String(36))
    account_id: Mapped[str] = mapped_column(String(36))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ItemIn(BaseModel):
    name: str
    amount_minor: int


class ItemOut(BaseModel):
    id: str
    name: str
    amount_minor: int
    created_at: datetime


def prepare(url: str, rows: int) -> str:
    """Create the ceiling's tables with one item and `rows` export rows; return the id of the item."""
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    now = datetime.now(UTC)
    item_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(Item), [{"id": item_id, "name": "bench", "amount_minor": 1, "created_at": now}])
        for start in range(0, rows, 10_000):
            conn.execute(
                insert(Row),
                [
                    {
                        "seq": n,
                        "id": str(uuid.uuid4()),
                        "account_id": "acct-0",
                        "currency": "USD",
                        "amount_minor": 1_000 + n,
                        "hash": f"{n:064x}",
                        "created_at": now,
                    }
                    for n in range(start, min(start + 10_000, rows))
                ],
            )
    engine.dispose()
    return item_id


def create_app() -> FastAPI:
    """The ceiling app on the database named by `CEILING_DATABASE_URL`."""
    engine = create_async_engine(os.environ["CEILING_DATABASE_URL"], pool_size=10, max_overflow=10)
    maker = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/items/{item_id}")
    async def read_item(item_id: str) -> ItemOut:
        async with maker() as session:
            item = await session.get(Item, item_id)
            if item is None:
                raise HTTPException(404)
            return ItemOut.model_validate(item, from_attributes=True)

    @app.post("/items", status_code=201)
    async def create_item(body: ItemIn) -> ItemOut:
        async with maker() as session:
            item = Item(
                id=str(uuid.uuid4()), name=body.name, amount_minor=body.amount_minor, created_at=datetime.now(UTC)
            )
            session.add(item)
            await session.commit()
            return ItemOut.model_validate(item, from_attributes=True)

    @app.get("/export")
    async def export() -> StreamingResponse:
        async def lines() -> AsyncIterator[bytes]:
            async with maker() as session:
                result = await session.stream(select(Row).order_by(Row.seq).execution_options(yield_per=1000))
                async for partition in result.scalars().partitions():
                    yield b"".join(
                        json.dumps(
                            {
                                "seq": r.seq,
                                "id": r.id,
                                "account_id": r.account_id,
                                "currency": r.currency,
                                "amount_minor": r.amount_minor,
                                "hash": r.hash,
                                "created_at": r.created_at.isoformat(),
                            }
                        ).encode()
                        + b"\n"
                        for r in partition
                    )

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    return app
