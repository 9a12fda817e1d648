"""Counts the SQL statements and database round trips an app runs, to pin how many a request may cost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class StatementLog:
    """What ran while the counter listened: each statement's first words, and the transactions around them."""

    statements: list[str] = field(default_factory=list)
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0

    @property
    def round_trips(self) -> int:
        """Statements plus the BEGIN and COMMIT (or ROLLBACK) each a separate exchange with the server."""
        return len(self.statements) + self.begins + self.commits + self.rollbacks

    def kinds(self) -> list[str]:
        """The statements as `SELECT applicants`, `INSERT audit_log`: enough to read in a failing assertion."""
        return [_kind(s) for s in self.statements]


def _kind(sql: str) -> str:
    words = sql.split()
    verb = words[0].upper() if words else "?"
    upper = [w.upper() for w in words]
    marker = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}.get(verb)
    if marker in upper:
        position = upper.index(marker) + (0 if verb == "UPDATE" else 1)
        if position < len(words):
            return f"{verb} {words[position].strip('()')}"
    return verb


@contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[StatementLog]:
    """Record every statement the engine sends until the block ends."""
    log = StatementLog()
    sync = engine.sync_engine

    def before(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        log.statements.append(statement)

    def begin(conn: Connection) -> None:
        log.begins += 1

    def commit(conn: Connection) -> None:
        log.commits += 1

    def rollback(conn: Connection) -> None:
        log.rollbacks += 1

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", before),
        ("begin", begin),
        ("commit", commit),
        ("rollback", rollback),
    ]
    for name, fn in listeners:
        event.listen(sync, name, fn)
    try:
        yield log
    finally:
        for name, fn in listeners:
            event.remove(sync, name, fn)
