"""Operator routes, mounted by every service: every outbox delivery of this service, dead ones above all."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deliveries import service
from shared.deps import SessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.plumbing import PlumbingTables
from shared.schemas.common import Page
from shared.schemas.webhooks import DeliveryRead, DeliveryStatus

router = APIRouter(prefix="/v1/operator", tags=["event deliveries"])
OPERATOR = [CallerKind.operator]
ALL = "Platform operators see every delivery of this service: to peer services and to every partner's webhooks."


def plumbing_tables(request: Request) -> PlumbingTables:
    """The app's shared tables."""
    tables: PlumbingTables = request.app.state.tables
    return tables


TablesDep = Annotated[PlumbingTables, Depends(plumbing_tables)]


@router.get(
    "/event-deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(401, 403, 422),
    **requires("deliveries:read", kinds=OPERATOR, tenant_rule=ALL),
)
async def list_event_deliveries(
    session: SessionDep,
    tables: TablesDep,
    page: Annotated[PageParams, Depends(page_params)],
    delivery_status: Annotated[
        DeliveryStatus | None, Query(alias="status", description="Only deliveries in this state, e.g. `dead`.")
    ] = None,
    receiver: Annotated[
        Literal["service", "webhook"] | None,
        Query(description="Only deliveries to peer services (`service`) or to partners' webhooks (`webhook`)."),
    ] = None,
) -> Page[DeliveryRead]:
    """List this service's event deliveries, oldest first; `?status=dead` lists those that gave up."""
    webhooks = None if receiver is None else receiver == "webhook"
    return await service.list_deliveries(session, tables, page, webhooks=webhooks, status=delivery_status)


@router.post(
    "/event-deliveries/{delivery_id}/redeliver",
    response_model=DeliveryRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("deliveries:write", kinds=OPERATOR, tenant_rule=ALL),
)
async def redeliver_event_delivery(
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="The delivery's id.")],
    session: SessionDep,
    principal: CurrentPrincipal,
    tables: TablesDep,
) -> DeliveryRead:
    """Send a dead delivery again, on a fresh retry schedule (409 unless it is dead); audited."""
    return await service.redeliver(session, tables, principal, delivery_id, partner_id=None)
