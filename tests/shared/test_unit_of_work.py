"""The request's unit of work: one session per request, committed before the answer, rolled back on an error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from sqlalchemy import Column, MetaData, String, Table, create_engine, event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import make_engine, make_sessionmaker, sync_url
from shared.deps import SessionDep, after_unit_of_work, unit_of_work

metadata = MetaData()
notes = Table("notes", metadata, Column("text", String(32), primary_key=True))


async def _same_session(request: Request) -> AsyncSession:
    return await unit_of_work(request)


OtherAlias = Annotated[AsyncSession, Depends(_same_session)]


def _app(url: str, seen: list[str]) -> FastAPI:
    app = FastAPI()
    engine = make_engine(url)
    app.state.sessionmaker = make_sessionmaker(engine)

    @app.post("/notes/{text}")
    async def write(text: str, request: Request, session: SessionDep, other: OtherAlias) -> dict[str, bool]:
        after_unit_of_work(request, lambda: seen.append(f"ended {text}"))
        await session.execute(insert(notes).values(text=text))
        if text == "fail":
            raise RuntimeError("after the write")
        return {"same": session is other}

    @app.get("/notes/{text}")
    async def read(text: str, session: SessionDep) -> dict[str, bool]:
        return {"found": (await session.execute(select(notes).where(notes.c.text == text))).first() is not None}

    @app.get("/untouched")
    async def untouched(request: Request, session: SessionDep) -> dict[str, bool]:
        after_unit_of_work(request, lambda: seen.append("ended untouched"))
        return {"begun": session.in_transaction()}

    return app


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI, list[str]]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'uow.db'}"
    engine = create_engine(sync_url(url))
    metadata.create_all(engine)
    engine.dispose()
    seen: list[str] = []
    app = _app(url, seen)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client, app, seen
    await app.state.sessionmaker.kw["bind"].dispose()


async def test_one_session_per_request_committed_before_the_answer(
    setup: tuple[httpx.AsyncClient, FastAPI, list[str]],
) -> None:
    client, _, seen = setup
    r = await client.post("/notes/kept")
    assert r.status_code == 200
    assert r.json() == {"same": True}
    assert seen == ["ended kept"]
    assert (await client.get("/notes/kept")).json() == {"found": True}


async def test_an_error_rolls_the_work_back(setup: tuple[httpx.AsyncClient, FastAPI, list[str]]) -> None:
    client, _, seen = setup
    assert (await client.post("/notes/fail")).status_code == 500
    assert seen == ["ended fail"]
    assert (await client.get("/notes/fail")).json() == {"found": False}


async def test_a_session_never_used_commits_nothing_and_still_ends(
    setup: tuple[httpx.AsyncClient, FastAPI, list[str]],
) -> None:
    client, app, seen = setup
    commits: list[object] = []
    engine = app.state.sessionmaker.kw["bind"].sync_engine
    event.listen(engine, "commit", commits.append)
    assert (await client.get("/untouched")).json() == {"begun": False}
    assert seen == ["ended untouched"]
    assert commits == []
    assert (await client.post("/notes/x")).status_code == 200
    assert len(commits) == 1
