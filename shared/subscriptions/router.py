"""Partner webhook routes, mounted by every service: subscriptions and their deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response, status

from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deliveries import service as deliveries
from shared.deps import SessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.events import EventEnvelope
from shared.schemas.webhooks import (
    DeliveryRead,
    DeliveryStatus,
    SecretRotated,
    SecretRotation,
    WebhookSubscriptionCreate,
    WebhookSubscriptionCreated,
    WebhookSubscriptionRead,
    WebhookSubscriptionUpdate,
)
from shared.subscriptions import service
from shared.subscriptions.service import WebhookTools
from shared.webhooks import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER

router = APIRouter(prefix="/v1", tags=["webhooks"])
PARTNER = [CallerKind.partner]
OWN = "A partner reaches only its own subscriptions and deliveries; another partner's answer 404."


def webhook_tools(request: Request) -> WebhookTools:
    """The app's subscription tools."""
    tools: WebhookTools = request.app.state.webhook_tools
    return tools


ToolsDep = Annotated[WebhookTools, Depends(webhook_tools)]
PageDep = Annotated[PageParams, Depends(page_params)]


@router.post(
    "/webhook-subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookSubscriptionCreated,
    responses=problem_responses(401, 403, 422),
    **requires("webhooks:write", kinds=PARTNER, tenant_rule=OWN),
)
async def create_webhook_subscription(
    body: WebhookSubscriptionCreate, session: SessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> WebhookSubscriptionCreated:
    """Subscribe to event types of this service about the partner's own records; the secret is shown once."""
    return await service.create_subscription(session, tools, principal, body)


@router.get(
    "/webhook-subscriptions",
    response_model=Page[WebhookSubscriptionRead],
    responses=problem_responses(401, 403, 422),
    **requires("webhooks:read", kinds=PARTNER, tenant_rule=OWN),
)
async def list_webhook_subscriptions(
    session: SessionDep, principal: CurrentPrincipal, tools: ToolsDep, page: PageDep
) -> Page[WebhookSubscriptionRead]:
    """List the partner's subscriptions, oldest first."""
    return await service.list_subscriptions(session, tools, principal, page)


@router.get(
    "/webhook-subscriptions/{subscription_id}",
    response_model=WebhookSubscriptionRead,
    responses=problem_responses(401, 403, 404),
    **requires("webhooks:read", kinds=PARTNER, tenant_rule=OWN),
)
async def read_webhook_subscription(
    subscription_id: str, session: SessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> WebhookSubscriptionRead:
    """Read one subscription (never its secret)."""
    return await service.read_subscription(session, tools, principal, subscription_id)


@router.patch(
    "/webhook-subscriptions/{subscription_id}",
    response_model=WebhookSubscriptionRead,
    responses=problem_responses(401, 403, 404, 422),
    **requires("webhooks:write", kinds=PARTNER, tenant_rule=OWN),
)
async def update_webhook_subscription(
    subscription_id: str,
    body: WebhookSubscriptionUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    tools: ToolsDep,
) -> WebhookSubscriptionRead:
    """Change a subscription's URL, event types, description, or pause and resume it."""
    return await service.update_subscription(session, tools, principal, subscription_id, body)


@router.delete(
    "/webhook-subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404),
    **requires("webhooks:write", kinds=PARTNER, tenant_rule=OWN),
)
async def delete_webhook_subscription(
    subscription_id: str, session: SessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> Response:
    """Delete a subscription; deliveries still waiting for it are cancelled."""
    await service.delete_subscription(session, tools, principal, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/webhook-subscriptions/{subscription_id}/rotate-secret",
    response_model=SecretRotated,
    responses=problem_responses(401, 403, 404, 422),
    **requires("webhooks:write", kinds=PARTNER, tenant_rule=OWN),
)
async def rotate_webhook_secret(
    subscription_id: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    tools: ToolsDep,
    body: SecretRotation | None = None,
) -> SecretRotated:
    """Give the subscription a new secret (shown once); the old one also signs until the overlap ends."""
    return await service.rotate_secret(session, tools, principal, subscription_id, body or SecretRotation())


@router.get(
    "/webhook-deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(401, 403, 422),
    **requires("webhooks:read", kinds=PARTNER, tenant_rule=OWN),
)
async def list_webhook_deliveries(
    session: SessionDep,
    principal: CurrentPrincipal,
    tools: ToolsDep,
    page: PageDep,
    delivery_status: Annotated[
        DeliveryStatus | None, Query(alias="status", description="Only deliveries in this state, e.g. `dead`.")
    ] = None,
    subscription_id: Annotated[str | None, Query(max_length=36, description="Only this subscription's.")] = None,
) -> Page[DeliveryRead]:
    """List deliveries to the partner's webhooks, oldest first; `?status=dead` lists those that gave up."""
    return await deliveries.list_deliveries(
        session,
        tools.tables,
        page,
        partner_id=principal.org,
        status=delivery_status,
        subscription_id=subscription_id,
    )


@router.post(
    "/webhook-deliveries/{delivery_id}/redeliver",
    response_model=DeliveryRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("webhooks:write", kinds=PARTNER, tenant_rule=OWN),
)
async def redeliver_webhook_delivery(
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="The delivery's id.")],
    session: SessionDep,
    principal: CurrentPrincipal,
    tools: ToolsDep,
) -> DeliveryRead:
    """Send a dead delivery again, on a fresh retry schedule (409 unless it is dead)."""
    return await deliveries.redeliver(session, tools.tables, principal, delivery_id, partner_id=principal.org)


def document_partner_deliveries(app: FastAPI) -> None:
    """Describe, in the OpenAPI document's `webhooks`, what a subscribed URL receives and how to verify it."""
    headers = [
        (ID_HEADER, "The event id; the same on every retry and redelivery, so a repeat can be recognised."),
        (TIMESTAMP_HEADER, "Unix seconds when this attempt was signed; refuse deliveries older than a few minutes."),
        (
            SIGNATURE_HEADER,
            "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>` under the subscription's secret; two "
            "during a secret rotation's overlap. Any Standard Webhooks library verifies it.",
        ),
    ]

    @app.webhooks.post(
        "partner-event",
        tags=["webhooks"],
        summary="An event about one of the partner's records",
        operation_id="partnerEvent",
        status_code=status.HTTP_204_NO_CONTENT,
        response_description="Received (any 2xx status will do); nothing is retried.",
        responses={
            "default": {"description": "Anything else, or no answer in 10 s: retried for about three days."},
        },
        openapi_extra={
            "security": [],
            "parameters": [
                {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": text}
                for name, text in headers
            ],
        },
    )
    def partner_event(body: EventEnvelope) -> None:
        """POSTed to each active subscription of the partner the event is about, for the types it chose.

        The body is the event envelope, ids only. Retries follow the schedule in the README; a delivery that
        still fails after about three days is dead, listed by `GET /v1/webhook-deliveries?status=dead`.
        """
