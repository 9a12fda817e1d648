"""`Idempotency-Key` handling for calls that move money or must not happen twice.

The key, a fingerprint of the request and the first response are stored in the same transaction as
the work. A repeat with the same key and body replays the stored response; the same key with another
body answers 422; a repeat while the first is still running answers 409; a call that requires a key and
has none answers 400. A key is remembered for `KEY_LIFETIME`: after that it is forgotten (a repeat runs as
a new request) and `purge_expired_keys` removes it. On PostgreSQL a
transaction-scoped advisory lock detects the request in flight across replicas; within one process an
in-memory set does the same for SQLite.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, String, Table, and_, bindparam, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import CurrentPrincipal
from shared.crypto import PREFIX, FieldCipher
from shared.db import session_scope
from shared.deps import SessionDep, after_unit_of_work
from shared.errors import Conflict, ProblemError, Unprocessable, may_answer
from shared.jobs import Periodic
from shared.plumbing import PlumbingTables

# First responses may quote what people wrote (a contribution reference, a reversal reason): stored
# encrypted under the caller's key, bound to its idempotency key.
RESPONSE_FIELD = "idempotency_keys.response_body"
KEY_HEADER = "Idempotency-Key"
KEY_LIFETIME = timedelta(hours=24)
PURGE_EVERY_SECONDS = 3600.0
KEY_HEADER_DOC = (
    "A unique key per logical operation (a UUID is ideal, at most 255 characters). Retrying with the same key "
    "and body replays the first response (`Idempotent-Replayed: true`); reusing it with another body is rejected "
    "with 422, and a retry while the first request runs with 409. Keys are remembered for 24 hours."
)


class IdempotencyKeyMissing(ProblemError):
    status, slug, title = 400, "idempotency-key-missing", "Idempotency-Key required"


class InFlightKeys:
    """Keys whose first request is still running in this process."""

    def __init__(self) -> None:
        self._keys: set[tuple[str, str]] = set()

    def claim(self, org: str, key: str) -> bool:
        if (org, key) in self._keys:
            return False
        self._keys.add((org, key))
        return True

    def release(self, org: str, key: str) -> None:
        self._keys.discard((org, key))


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 over method, path and the body (JSON canonicalised so whitespace does not matter)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


@dataclass
class Idempotency:
    """The idempotency state of one request; see the module docstring."""

    session: AsyncSession
    tables: PlumbingTables
    cipher: FieldCipher
    org: str
    key: str
    method_path: str
    fingerprint: str

    async def replay(self) -> Response | None:
        """The stored response of an earlier request with this key, or None to go ahead.

        On PostgreSQL one statement both tries the key's advisory lock and looks the key up. Its row is read as of
        the statement's start, so a twin that commits between that start and the lock is not seen: this request
        then runs its work and `store` finds the key taken and answers 409 (retry to get the first answer), its
        work rolled back with it. Exactly once either way; the lookup costs no extra round trip.
        """
        # Core statements on plain tables: through the session's connection, without the ORM's execution path.
        connection = await self.session.connection()
        if connection.dialect.name == "postgresql":
            row = (
                await connection.execute(
                    _claim_statement(self.tables),
                    {"lock": f"idempotency:{self.org}:{self.key}", "org": self.org, "key": self.key},
                )
            ).one()
            if not row.got:
                raise Conflict("A request with this Idempotency-Key is still in flight; retry shortly.")
            if row.fingerprint is None:
                return None
        else:
            lookup = _lookup_statement(self.tables)
            row = (await connection.execute(lookup, {"org": self.org, "key": self.key})).first()
        t = self.tables.idempotency_keys
        if row is None:
            return None
        if row.created_at < datetime.now(UTC) - KEY_LIFETIME:
            # Forgotten: the key may name a new operation now, which runs (and is remembered) anew.
            await self.session.execute(delete(t).where(t.c.principal_org == self.org, t.c.key == self.key))
            return None
        if row.fingerprint != self.fingerprint or row.method_path != self.method_path:
            raise Unprocessable(
                "This Idempotency-Key was already used with a different request; use a new key for a new operation."
            )
        stored: bytes = row.response_body
        if stored.startswith(PREFIX.encode() + b"."):
            sealed = stored.decode("ascii")
            stored = (
                await self.cipher.decrypt(self.session, self.org, sealed, field=RESPONSE_FIELD, row=self.key)
            ).encode()
        return Response(
            content=stored,
            status_code=row.response_status,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )

    async def remember(self, body: BaseModel | dict[str, Any], *, status_code: int = 200) -> JSONResponse:
        """Store the response with the work's transaction and return it."""
        payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        response = JSONResponse(payload, status_code=status_code)
        await self.store(status_code, bytes(response.body))
        return response

    async def sealed_row(self, status_code: int, body: bytes) -> dict[str, Any]:
        """The `idempotency_keys` row that remembers this answer (its body encrypted), for `store` or a caller's own
        statement; a caller that inserts it itself must refuse the request with `completed_concurrently()` when the
        key is already there (insert with ON CONFLICT DO NOTHING and see whether a row came back)."""
        sealed = await self.cipher.encrypt(
            self.session, self.org, body.decode("utf-8"), field=RESPONSE_FIELD, row=self.key
        )
        return {
            "principal_org": self.org,
            "key": self.key,
            "method_path": self.method_path,
            "fingerprint": self.fingerprint,
            "response_status": status_code,
            "response_body": sealed.encode("ascii"),
            "created_at": datetime.now(UTC),
        }

    async def store(self, status_code: int, body: bytes) -> None:
        """Store a JSON answer in the work's transaction; 409 if a twin request stored one first."""
        row = await self.sealed_row(status_code, body)
        t = self.tables.idempotency_keys
        insert = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        # ON CONFLICT rather than a savepoint around the insert: one round trip instead of three.
        stored = await self.session.execute(
            insert(t)
            .values(**row)
            .on_conflict_do_nothing(index_elements=[t.c.principal_org, t.c.key])
            .returning(t.c.key)
        )
        if stored.first() is None:
            raise completed_concurrently()


def completed_concurrently() -> Conflict:
    """The answer when a twin request with the same key stored its answer first (this one's work must roll back)."""
    return Conflict("A request with this Idempotency-Key completed concurrently; retry to get its result.")


def _key_columns(t: Table) -> tuple[ColumnElement[Any], ...]:
    return (t.c.fingerprint, t.c.method_path, t.c.response_status, t.c.response_body, t.c.created_at)


@functools.cache
def _lookup_statement(tables: PlumbingTables) -> Select[Any]:
    t = tables.idempotency_keys
    return select(*_key_columns(t)).where(t.c.principal_org == bindparam("org"), t.c.key == bindparam("key"))


@functools.cache
def _claim_statement(tables: PlumbingTables) -> Select[Any]:
    """PostgreSQL: try the key's transaction-scoped advisory lock and read the key's row, in one statement."""
    t = tables.idempotency_keys
    got = func.pg_try_advisory_xact_lock(func.hashtextextended(bindparam("lock", type_=String), 0)).label("got")
    one = select(literal(1).label("one")).subquery("one")
    on = and_(t.c.principal_org == bindparam("org"), t.c.key == bindparam("key"))
    return select(got, *_key_columns(t)).select_from(one.outerjoin(t, on))


async def purge_expired_keys_now(app: Any) -> None:
    """The periodic task every service's worker runs: remove expired keys in one transaction."""
    async with session_scope(app.state.sessionmaker) as session:
        removed = await purge_expired_keys(session, app.state.tables)
    if removed:
        structlog.get_logger().info("idempotency_keys_purged", removed=removed)


def _purge_every(_settings: Any) -> float:
    return PURGE_EVERY_SECONDS


async def purge_expired_keys(
    session: AsyncSession, tables: PlumbingTables, *, now: datetime | None = None, lifetime: timedelta = KEY_LIFETIME
) -> int:
    """Remove the keys older than their lifetime and return how many; a service's worker runs it periodically."""
    t = tables.idempotency_keys
    cutoff = (now or datetime.now(UTC)) - lifetime
    result = await session.execute(delete(t).where(t.c.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


@may_answer(400, 409, 410, 422)
async def idempotency(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None, Header(alias=KEY_HEADER, min_length=1, max_length=255, description=KEY_HEADER_DOC)
    ] = None,
) -> Idempotency:
    """Dependency: claim the key for this request until its unit of work has ended; 400 without a key."""
    if idempotency_key is None:
        raise IdempotencyKeyMissing(
            f"This operation moves money and requires an {KEY_HEADER} header: a unique key per operation "
            "(a UUID), sent again unchanged when the call is retried."
        )
    inflight: InFlightKeys = request.app.state.inflight_keys
    if not inflight.claim(principal.org, idempotency_key):
        raise Conflict("A request with this Idempotency-Key is still in flight; retry shortly.")
    after_unit_of_work(request, lambda: inflight.release(principal.org, idempotency_key))
    body = await request.body()
    return Idempotency(
        session=session,
        tables=request.app.state.tables,
        cipher=request.app.state.cipher,
        org=principal.org,
        key=idempotency_key,
        method_path=f"{request.method} {request.url.path}",
        fingerprint=request_fingerprint(request.method, request.url.path, body),
    )


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
# Ready for a service's `ServiceSpec.periodic`: hourly, each worker of each service purging its own database.
PURGE_EXPIRED_KEYS = Periodic("idempotency.purge_expired_keys", _purge_every, purge_expired_keys_now)
