"""Eligibility dependency aliases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Request

from services.eligibility.applicants.service import Crypto
from services.eligibility.screening.lists.service import ScreeningState
from shared.auth import DEFAULT_TENANT_RULE, CallerKind, requires
from shared.errors import may_answer
from shared.outbox import EventPublisher
from shared.pagination import PageParams, page_params


@may_answer(410)
async def crypto(request: Request) -> Crypto:
    return Crypto(
        cipher=request.app.state.cipher,
        blind_index_key=request.app.state.blind_index_key,
    )


async def screening_state(request: Request) -> ScreeningState:
    state: ScreeningState = request.app.state.screening
    return state


async def publisher(request: Request) -> EventPublisher:
    events: EventPublisher = request.app.state.publisher
    return events


CryptoDep = Annotated[Crypto, Depends(crypto)]
ScreeningDep = Annotated[ScreeningState, Depends(screening_state)]
PublisherDep = Annotated[EventPublisher, Depends(publisher)]
PageDep = Annotated[PageParams, Depends(page_params)]


def requires_with_body(
    scope: str, kinds: Sequence[CallerKind], body: dict[str, Any], *, tenant_rule: str = DEFAULT_TENANT_RULE
) -> dict[str, Any]:
    """`requires(...)` route options that also document a raw request body (YAML, CSV, XML)."""
    options = requires(scope, kinds=kinds, tenant_rule=tenant_rule)
    options["openapi_extra"] = {**options["openapi_extra"], **body}
    return options
