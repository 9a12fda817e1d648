"""Dependency aliases every service uses: the request's unit of work and its tenant scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth import CallerKind, CurrentPrincipal
from shared.db import session_scope
from shared.errors import may_answer
from shared.faults import crash_point
from shared.registry import OrganisationDirectory, RegistryUnavailable
from shared.tenancy import scope_to_tenant


def after_unit_of_work(request: Request, callback: Callable[[], None]) -> None:
    """Run `callback` once the request's transaction has committed or rolled back."""
    callbacks: list[Callable[[], None]] = request.state.__dict__.setdefault("_after_uow", [])
    callbacks.append(callback)


@may_answer(503)
async def unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    """One request, one transaction: commit when the endpoint returned, before the response is sent."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    try:
        async with session_scope(maker) as session:
            # Where the route's own wrapper (shared.retries) finds the transaction to remember its answer in.
            request.state.unit_of_work_session = session
            yield session
        crash_point("after-commit", f"{request.method} {getattr(request.scope.get('route'), 'path', '')}")
    finally:
        for callback in request.state.__dict__.get("_after_uow", []):
            callback()


SessionDep = Annotated[AsyncSession, Depends(unit_of_work, scope="function")]


async def partner_session(session: SessionDep, principal: CurrentPrincipal) -> AsyncSession:
    """The request's session scoped to the calling partner's records.

    Other kinds of caller get an unscoped session: the service decides what they may see, and any
    tenant-scoped query it forgets to scope is refused.
    """
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
