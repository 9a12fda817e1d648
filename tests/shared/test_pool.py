"""The connection pool holds the connections a busy process needs, without opening overflow ones per request."""

from __future__ import annotations

from sqlalchemy.pool import QueuePool

from shared.db import make_engine


async def test_the_postgresql_pool_keeps_at_least_sixteen_connections_open() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        pool = engine.sync_engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.size() >= 16
        assert pool.size() + pool._max_overflow <= 20  # no more connections per process than before
        # No pre-ping: a checkout costs no round trip.
        assert engine.sync_engine.pool._pre_ping is False
    finally:
        await engine.dispose()
