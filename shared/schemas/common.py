"""Schemas every service uses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, Field

from shared.money import MAX_AMOUNT_MINOR

T = TypeVar("T")

# Money in requests: a JSON integer (never a string, a float or a boolean) within the documented limit.
PositiveMinor = Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT_MINOR)]
NonNegativeMinor = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT_MINOR)]
# W3C Trace Context `traceparent`, version 00: trace and span ids, nothing else.
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
Traceparent = Annotated[
    str,
    Field(
        max_length=55,
        pattern=TRACEPARENT_PATTERN,
        examples=["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    ),
]


def _iso_text_only(value: Any) -> Any:
    # A number would otherwise be taken as seconds since 1970; only ISO 8601 text (or a date) is a date here.
    if isinstance(value, date | datetime | str):
        return value
    raise ValueError("give the date as ISO 8601 text, e.g. 2026-12-01")


IsoDate = Annotated[date, BeforeValidator(_iso_text_only)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text_only)]


class Page(BaseModel, Generic[T]):
    """One page of a list, oldest first; pass `next_cursor` as `after` to get the next one."""

    items: list[T] = Field(description="The records on this page.")
    next_cursor: str | None = Field(
        default=None,
        description="Opaque cursor for the next page; absent on the last page.",
    )


class Health(BaseModel):
    """Liveness or readiness of a service."""

    status: str = Field(description="`ok` when healthy.")
    service: str = Field(description="Which service answered.")
    checks: dict[str, str] = Field(default_factory=dict, description="Each dependency checked and its state.")
