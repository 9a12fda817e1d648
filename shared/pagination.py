"""Cursor pagination over a unique, increasing key."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from shared.errors import Unprocessable

T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])
MAX_LIMIT = 200


class PageParams(BaseModel):
    """`limit` and `after` as a request sends them."""

    limit: int
    after: str | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Records per page (1-200).")] = 50,
    after: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> PageParams:
    """Dependency reading the pagination query parameters."""
    return PageParams(limit=limit, after=after)


def encode_cursor(value: Any) -> str:
    """Opaque cursor for the last key of a page."""
    return base64.urlsafe_b64encode(json.dumps({"k": value}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    """The key a cursor stands for; 422 when it was not made by us."""
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["k"]
    except (ValueError, KeyError, TypeError) as exc:
        raise Unprocessable("`after` is not a cursor this API returned; pass `next_cursor` unchanged.") from exc


def keyset(stmt: S, key: InstrumentedAttribute[Any], params: PageParams) -> S:
    """Restrict a query to the page after the cursor, ordered by `key`, fetching one extra row."""
    if params.after is not None:
        stmt = stmt.where(key > decode_cursor(params.after))
    return stmt.order_by(key).limit(params.limit + 1)


def keyset_by(
    stmt: S,
    keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    params: PageParams,
    parse: Callable[[Any], Sequence[Any]],
) -> S:
    """Like `keyset`, ordered by several non-null keys, the last unique; the cursor holds one value per key.

    `parse` turns the decoded cursor back into the keys' values and raises ValueError, TypeError or KeyError on
    anything else.
    """
    if params.after is not None:
        try:
            values = list(parse(decode_cursor(params.after)))
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise Unprocessable("`after` is not a cursor this API returned; pass `next_cursor` unchanged.") from exc
        if len(values) != len(keys):
            raise Unprocessable("`after` is not a cursor of this list; pass `next_cursor` unchanged.")
        bound = [literal(value, key.type) for key, value in zip(keys, values, strict=True)]
        stmt = stmt.where(tuple_(*keys) > tuple_(*bound))
    return stmt.order_by(*keys).limit(params.limit + 1)


def split_page(rows: Sequence[T], params: PageParams, key_of: Any) -> tuple[list[T], str | None]:
    """The rows of this page and the cursor of the next (None on the last page)."""
    items = list(rows[: params.limit])
    if len(rows) > params.limit and items:
        return items, encode_cursor(key_of(items[-1]))
    return items, None
