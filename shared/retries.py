"""Safe retries of every call that creates something: an optional `Idempotency-Key` on each of them.

Money-moving calls require a key (`shared.idempotency.IdempotencyDep`). Every other POST that creates a record
(it answers 201 or 202) and is made with a bearer token accepts one, with the same rules, without its route doing
anything: `build_app` gives those routes `KeyedRoute`'s handler. Before the endpoint runs, an earlier answer to
the same key is replayed (same body), refused with 422 (another body) or 409 (still running). After it, the answer
is stored in the request's own transaction, so the record and the remembered answer are committed together; a
concurrent twin that got past the first check fails on the key's primary key and is rolled back with a 409.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.params import File, Form
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth import current_principal
from shared.errors import Conflict, Unprocessable
from shared.idempotency import KEY_HEADER, Idempotency, InFlightKeys, idempotency, request_fingerprint

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
CREATED = frozenset({201, 202})
SESSION_STATE = "unit_of_work_session"


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def takes_optional_key(route: Any) -> bool:
    """Whether a route creates something for a bearer caller and has no required key of its own."""
    if "POST" not in (route.methods or ()) or route.status_code not in CREATED:
        return False
    calls = [part.call for part in _dependants(route.dependant)]
    forms = any(isinstance(getattr(p, "field_info", None), (Form, File)) for p in route.dependant.body_params)
    return current_principal in calls and idempotency not in calls and not forms


class KeyedRoute(APIRoute):
    """An API route whose creating POST accepts an optional `Idempotency-Key` (see the module docstring)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if not takes_optional_key(self):
            return handler

        async def handle(request: Request) -> Response:
            key = request.headers.get(KEY_HEADER)
            if key is None:
                return await handler(request)
            if not 1 <= len(key) <= 255:
                raise Unprocessable(f"An {KEY_HEADER} has 1 to 255 characters.")
            principal = await current_principal(request)
            inflight: InFlightKeys = request.app.state.inflight_keys
            if not inflight.claim(principal.org, key):
                raise Conflict(f"A request with this {KEY_HEADER} is still in flight; retry shortly.")
            try:
                body = await request.body()
                path = request.url.path
                maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
                async with maker() as lookup:
                    earlier = _idempotency(request, lookup, principal.org, key, path, body)
                    replayed = await earlier.replay()
                    await lookup.commit()
                if replayed is not None:
                    return replayed
                response = await handler(request)
                session: AsyncSession | None = getattr(request.state, SESSION_STATE, None)
                if session is not None and 200 <= response.status_code < 300 and hasattr(response, "body"):
                    work = _idempotency(request, session, principal.org, key, path, body)
                    await work.store(response.status_code, bytes(response.body))
                return response
            finally:
                inflight.release(principal.org, key)

        return handle


def _idempotency(request: Request, session: AsyncSession, org: str, key: str, path: str, body: bytes) -> Idempotency:
    return Idempotency(
        session=session,
        tables=request.app.state.tables,
        cipher=request.app.state.cipher,
        org=org,
        key=key,
        method_path=f"{request.method} {path}",
        fingerprint=request_fingerprint(request.method, path, body),
    )


def key_creating_routes(routes: list[Any]) -> None:
    """Give every plain API route the handler of `KeyedRoute` (it changes only routes that create something)."""
    for route in routes:
        if type(route) is APIRoute:
            # The same route objects, with one more behaviour: no state to add, so the class can simply change.
            route.__class__ = KeyedRoute
