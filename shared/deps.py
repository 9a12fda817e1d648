"""Dependency aliases every service uses: the request's unit of work and its tenant scope."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth import CallerKind, CurrentPrincipal
from shared.errors import may_answer
from shared.faults import crash_point
from shared.registry import OrganisationDirectory, RegistryUnavailable
from shared.tenancy import scope_to_tenant


def after_unit_of_work(request: Request, callback: Callable[[], None]) -> None:
    """Run `callback` once the request's transaction has committed or rolled back."""
    callbacks: list[Callable[[], None]] = request.state.__dict__.setdefault("_after_uow", [])
    callbacks.append(callback)


# Where the route's own wrapper (shared.retries) finds the transaction to remember its answer in.
SESSION_STATE = "unit_of_work_session"


@may_answer(503)
async def unit_of_work(request: Request) -> AsyncSession:
    """One request, one transaction: commit when the endpoint returned, before the response is sent.

    A plain dependency whose end is registered on FastAPI's per-endpoint exit stack (what a `yield` dependency
    with `scope="function"` uses), without the two generator context managers and the cancel scope FastAPI
    wraps around each `yield` dependency. One session per request whichever alias asked for it; a session the
    endpoint never used is neither committed nor closed (nothing was begun, no connection was taken).
    """
    state: dict[str, object] = request.scope.setdefault("state", {})  # what `request.state` reads and writes
    session = state.get(SESSION_STATE)
    if not isinstance(session, AsyncSession):
        maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
        session = maker()
        state[SESSION_STATE] = session
        stack: AsyncExitStack = request.scope["fastapi_function_astack"]
        stack.push_async_exit(functools.partial(_end_unit_of_work, request, session))
    return session


async def _end_unit_of_work(
    request: Request,
    session: AsyncSession,
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    _traceback: TracebackType | None,
) -> bool:
    try:
        if session.in_transaction():
            # Shielded like FastAPI's own dependency exits: a client gone mid-commit does not cut the commit short.
            with anyio.CancelScope(shield=True):
                try:
                    if exc is None:
                        await session.commit()
                    else:
                        await session.rollback()
                except BaseException:
                    await session.rollback()
                    raise
                finally:
                    await session.close()
        if exc is None:
            crash_point("after-commit", f"{request.method} {getattr(request.scope.get('route'), 'path', '')}")
    finally:
        for callback in request.state.__dict__.get("_after_uow", []):
            callback()
    return False


SessionDep = Annotated[AsyncSession, Depends(unit_of_work)]


@may_answer(503)
async def partner_session(request: Request, principal: CurrentPrincipal) -> AsyncSession:
    """The request's session scoped to the calling partner's records.

    Other kinds of caller get an unscoped session: the service decides what they may see, and any
    tenant-scoped query it forgets to scope is refused.
    """
    session = await unit_of_work(request)
    if principal.kind is CallerKind.partner:
        scope_to_tenant(session, principal.org)
    return session


TenantSessionDep = Annotated[AsyncSession, Depends(partner_session)]


@may_answer(422, 503)
def organisation_directory(request: Request) -> OrganisationDirectory:
    """This app's view of the registry of organisations; naming an organisation it does not list answers 422."""
    directory: OrganisationDirectory | None = request.app.state.registry
    if directory is None:
        raise RegistryUnavailable("This service does not consult the registry of organisations.")
    return directory


DirectoryDep = Annotated[OrganisationDirectory, Depends(organisation_directory)]
