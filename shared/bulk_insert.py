"""Inserting many rows of one table at once: `COPY` on PostgreSQL, one executemany elsewhere.

On PostgreSQL the driver's executemany still sends and executes each row as its own INSERT (pipelined), and
SQLAlchemy processes every parameter of every row on the way; `COPY` streams the rows into one command, with
a fraction of the CPU on both sides. `insert_rows` gives the same rows as `session.execute(insert(table), rows)`
would: the same columns, the column types' bind processing (aware UTC datetimes, JSON as JSON, `None` in a JSON
column as JSON `null` unless the type says otherwise), Python-side scalar defaults for columns a row leaves out.
A few rows, or a column type it does not know, take the executemany path, so a single request is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg import Error as DriverError
from psycopg import IntegrityError as DriverIntegrityError
from psycopg import OperationalError as DriverOperationalError
from psycopg.types.json import Json, Jsonb
from sqlalchemy import Column, Table, TypeDecorator, insert
from sqlalchemy import exc as sa_exc
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

# Below this many rows COPY saves nothing worth a second path.
COPY_AT_LEAST = 50
# Types whose Python values the driver writes into COPY as the column stores them.
_PLAIN = (sqltypes.String, sqltypes.Integer, sqltypes.Boolean, sqltypes.DateTime, sqltypes.Date, sqltypes.Numeric)
Convert = Callable[[Any], Any]


class _NotCopyable(Exception):
    """A column the COPY path does not handle: the rows go through executemany."""


def _converter(column: Column[Any], dialect: Dialect) -> Convert | None:
    """How one column's Python value becomes what COPY writes (None: as it is)."""
    column_type: Any = column.type
    before: Convert | None = None
    if isinstance(column_type, TypeDecorator):
        decorator = column_type

        def before(value: Any) -> Any:
            return decorator.process_bind_param(value, dialect)

        column_type = decorator.impl_instance
    stored = column_type.dialect_impl(dialect)
    if isinstance(stored, sqltypes.JSON):
        wrap = Jsonb if isinstance(stored, JSONB) else Json
        none_as_null = bool(stored.none_as_null)

        def as_json(value: Any) -> Any:
            if before is not None:
                value = before(value)
            return None if value is None and none_as_null else wrap(value)

        return as_json
    if isinstance(stored, sqltypes.Enum) or not isinstance(stored, _PLAIN):
        raise _NotCopyable(column.name)
    return before


def _default_of(column: Column[Any]) -> Any:
    """The Python-side default of a column a row leaves out (what executemany would insert)."""
    default = column.default
    if default is None:
        return None
    if getattr(default, "is_scalar", False):
        return getattr(default, "arg", None)
    raise _NotCopyable(column.name)  # a callable or SQL default: leave it to executemany


def _plan(table: Table, given: Sequence[str], dialect: Dialect) -> tuple[list[str], list[Convert | None], list[Any]]:
    """The columns to COPY, each one's converter, and the defaults of the columns the rows leave out."""
    known = set(given)
    unknown = known - set(table.columns.keys())
    if unknown:
        raise _NotCopyable(", ".join(sorted(unknown)))
    names = list(given)
    converters = [_converter(table.columns[name], dialect) for name in names]
    defaults: list[Any] = []
    for column in table.columns:
        if column.name in known or column.default is None:
            continue  # a server default or an autoincrementing key is the server's to fill in
        names.append(column.name)
        converters.append(_converter(column, dialect))
        defaults.append(_default_of(column))
    return names, converters, defaults


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (every one with the same keys) in the session's transaction, as one executemany would."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql" or len(rows) < COPY_AT_LEAST:
        await session.execute(insert(table), list(rows))
        return
    given = list(rows[0])
    try:
        names, converters, defaults = _plan(table, given, dialect)
    except _NotCopyable:
        await session.execute(insert(table), list(rows))
        return
    driver = cast("AsyncConnection[Any]", (await connection.get_raw_connection()).driver_connection)
    columns = ", ".join(f'"{name}"' for name in names)
    sql = f'COPY "{table.name}" ({columns}) FROM STDIN'
    pairs = list(zip(given, converters, strict=False))
    tail = [
        value if convert is None else convert(value)
        for value, convert in zip(defaults, converters[len(given) :], strict=True)
    ]
    try:
        async with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                values = [row[name] if convert is None else convert(row[name]) for name, convert in pairs]
                await copy.write_row(values + tail if tail else values)
    except DriverIntegrityError as error:
        raise sa_exc.IntegrityError(sql, None, error) from error
    except DriverOperationalError as error:
        raise sa_exc.OperationalError(sql, None, error) from error
    except DriverError as error:
        raise sa_exc.DBAPIError(sql, None, error) from error
