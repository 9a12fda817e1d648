"""Database plumbing: engines, one session per request, naming conventions, tenant scoping."""

from __future__ import annotations

import functools
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event, func, select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.orm.util import LoaderCriteriaOption

from shared.tenancy import ALL_TENANTS, TENANT_FILTERED, TenantScoped, TenantScopeMissing

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Metadata with the project's constraint naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return url.startswith("sqlite")


def sync_url(url: str) -> str:
    """The synchronous driver URL for an async one (Alembic runs synchronously)."""
    return url.replace("sqlite+aiosqlite", "sqlite")


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time: refuses naive datetimes when written and always reads back as aware UTC.

    The column is `DateTime(timezone=True)` (`timestamptz` on PostgreSQL). SQLite keeps no offset, so values
    are converted to UTC before they are written and marked UTC when read, whatever the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse a datetime without a zone; store every other one as UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: store moments with their time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored moment as aware UTC (SQLite hands back naive UTC, PostgreSQL aware values)."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Connections an API process keeps open: as many as the requests it serves at once (a load balancer or a
# benchmark drives one process with 16), so a busy process does not open and close overflow connections per
# request; with the overflow, at most 20 per process as before (mind PostgreSQL's max_connections per replica).
POOL_SIZE = 16
POOL_OVERFLOW = 4


def make_engine(url: str, *, pool_size: int = POOL_SIZE) -> AsyncEngine:
    """An async engine for SQLite (aiosqlite) or PostgreSQL (psycopg 3)."""
    if is_sqlite(url):
        # A small pool: each aiosqlite connection costs a thread and a file open, so reuse them.
        engine = create_async_engine(url, pool_size=5, max_overflow=5, hide_parameters=True)
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    # hide_parameters: a statement's values never appear in an error's message, so never in a log either.
    # No pre-ping: it costs a round trip on every checkout. A connection the server dropped fails the one
    # request that finds it, and SQLAlchemy then replaces every connection of the pool made before it.
    return create_async_engine(url, pool_size=pool_size, max_overflow=POOL_OVERFLOW, hide_parameters=True)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (responses serialise after it)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


@event.listens_for(Session, "do_orm_execute")
def _apply_tenant_scope(state: ORMExecuteState) -> None:
    """Add the tenant filter to every ORM query of tenant-scoped rows; refuse if none was declared."""
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("include_all_tenants", False):
        return
    scoped_entities = _scoped_entities_of(state)
    if not scoped_entities:
        return
    tenant = state.session.info.get("tenant", None)
    if tenant is None:
        raise TenantScopeMissing(
            "query on tenant-scoped rows in a session without a tenant; call scope_to_tenant first"
        )
    filtered = state.execution_options.get(TENANT_FILTERED)
    if filtered is not None:
        # Filtered by the repository itself (shared.tenancy.tenant_scoped): check it, add nothing.
        filtered_for, filtered_entities = filtered
        if filtered_for != tenant or not scoped_entities <= filtered_entities:
            raise TenantScopeMissing("a statement filtered for another tenant or not on every tenant-scoped entity")
        return
    if tenant is ALL_TENANTS:
        return
    state.statement = state.statement.options(_tenant_criteria(tenant))


# The mapped entities a statement reads, per statement object: a statement built once (a module's pre-built Core
# read) is executed per request, and working out its entities walks its column descriptions each time (about 7 %
# of a partner read's CPU). Statements are immutable, so what is remembered stays true; an entry goes with its
# statement (weak reference), so statements built per request do not accumulate.
_ENTITIES: dict[int, tuple[weakref.ref[Any], frozenset[type]]] = {}


def _scoped_entities_of(state: ORMExecuteState) -> frozenset[type]:
    """The tenant-scoped mapped classes `state`'s statement reads."""
    statement = state.statement
    key = id(statement)
    known = _ENTITIES.get(key)
    if known is not None and known[0]() is statement:
        return known[1]
    scoped = frozenset(m.class_ for m in state.all_mappers if issubclass(m.class_, TenantScoped))
    try:
        ref = weakref.ref(statement, functools.partial(_forget_entities, key))
    except TypeError:
        return scoped
    _ENTITIES[key] = (ref, scoped)
    return scoped


def _forget_entities(key: int, _gone: object) -> None:
    entry = _ENTITIES.get(key)
    if entry is not None and entry[0]() is None:
        del _ENTITIES[key]


@functools.lru_cache(maxsize=1024)
def _tenant_criteria(tenant: str) -> LoaderCriteriaOption:
    """The tenant filter as a loader option, built once per tenant rather than once per query."""
    return with_loader_criteria(TenantScoped, lambda cls: cls.partner_id == tenant, include_aliases=True)


async def add_in_savepoint(session: AsyncSession, row: object) -> bool:
    """Insert a row in a savepoint; False when a unique constraint refused it (a concurrent insert came first)."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


@asynccontextmanager
async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit when the body succeeded, roll back otherwise."""
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def lock_for_transaction(session: AsyncSession, name: str) -> None:
    """Hold a lock named `name` until the session's transaction ends, so work on one thing runs one at a time.

    PostgreSQL takes a transaction-scoped advisory lock on a hash of the name. SQLite lets one transaction
    write at a time: a second writer fails (and an event is delivered again) rather than losing an update.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(name, 0))))
