"""Schemas every service uses."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


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
