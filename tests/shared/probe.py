"""A small app on eligibility's schema that exercises the shared plumbing directly."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from shared.app import ServiceSpec, build_app
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.config import ServiceSettings
from shared.db import new_metadata
from shared.deps import SessionDep
from shared.idempotency import IdempotencyDep
from shared.plumbing import define_plumbing_tables
from shared.schemas.events import CaseOpened

router = APIRouter(prefix="/probe")
metadata = new_metadata()
tables = define_plumbing_tables(metadata)


class Transfer(BaseModel):
    amount_minor: int = Field(ge=1)
    note: str = ""


class TransferDone(BaseModel):
    sequence: int
    amount_minor: int


class Gate:
    """Lets a test hold a request in flight."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.hold = False


@router.post("/transfers", status_code=201, **requires("probe:write", kinds=[CallerKind.partner]))
async def make_transfer(
    body: Transfer, request: Request, session: SessionDep, idem: IdempotencyDep, principal: CurrentPrincipal
) -> Response:
    """Publishes an event per call so tests can count how often the work ran."""
    if (replay := await idem.replay()) is not None:
        return replay
    gate: Gate = request.app.state.gate
    if gate.hold:
        gate.entered.set()
        await gate.release.wait()
    await request.app.state.publisher.publish(
        session,
        "probe.transfer",
        CaseOpened(case_id="c", applicant_id="a", partner_id=principal.org),
        partner_id=principal.org,
    )
    count = (await session.execute(select(func.count()).select_from(tables.outbox_events))).scalar_one()
    return await idem.remember(TransferDone(sequence=count, amount_minor=body.amount_minor), status_code=201)


@router.get("/whoami", **requires("probe:read"))
async def whoami(principal: CurrentPrincipal) -> dict[str, str]:
    """Echo the caller."""
    return {"org": principal.org, "kind": principal.kind.value}


class Item(BaseModel):
    n: Annotated[int, Field(ge=0)]


@router.post("/items")
async def post_item(item: Item) -> Item:
    """Validation target."""
    return item


@router.get("/boom")
async def boom(session: SessionDep) -> None:
    """Fails after writing, to show the unit of work rolls back."""
    await request_write(session)
    raise RuntimeError("boom")


class Note(BaseModel):
    note: str


@router.post("/crash/sql")
async def crash_in_sql(body: Note, session: SessionDep) -> None:
    """Fails inside the database with the note among the statement's parameters (a duplicate key)."""
    from sqlalchemy import insert

    for _ in range(2):
        await session.execute(
            insert(tables.processed_events).values(
                event_id=body.note[:36], type=body.note[:100], processed_at=func.now()
            )
        )
        await session.flush()


@router.post("/crash/message")
async def crash_with_the_value_in_its_message(body: Note) -> None:
    """Fails with the note in the exception's message, as careless code would."""
    raise ValueError(f"could not handle {body.note!r}")


async def request_write(session: SessionDep) -> None:
    from sqlalchemy import insert

    from shared.ids import new_id

    await session.execute(
        insert(tables.processed_events).values(event_id=new_id(), type="probe", processed_at=func.now())
    )


def create_probe_app(settings: ServiceSettings) -> FastAPI:
    app = build_app(
        settings,
        ServiceSpec(
            name="probe",
            title="probe",
            description="plumbing probe",
            metadata=metadata,
            tables=tables,
            routers=[router],
        ),
    )
    app.state.gate = Gate()
    return app


def create_probe_app_from_env() -> FastAPI:
    """The probe as a real server process: `uvicorn --factory tests.shared.probe:create_probe_app_from_env`."""
    import os
    from pathlib import Path

    from services.eligibility.config import EligibilitySettings

    settings = EligibilitySettings(
        environment="test",
        database_url=os.environ["PROBE_DATABASE_URL"],
        var_dir=Path(os.environ["PROBE_VAR_DIR"]),
        outbox_enabled=False,
    )
    return create_probe_app(settings)
