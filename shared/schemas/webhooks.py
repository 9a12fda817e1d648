"""Partner webhook subscriptions and event deliveries on the wire."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

EventType = Annotated[str, Field(min_length=1, max_length=128)]

MAX_OVERLAP_SECONDS = 7 * 24 * 3600


class WebhookSubscriptionCreate(BaseModel):
    """A partner's endpoint and the event types it wants."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="Where deliveries are POSTed: `https://` (plain `http://` only in development); never a "
        "private, loopback or link-local address in production.",
        examples=["https://hooks.partner.example/carrots"],
    )
    event_types: list[EventType] = Field(
        min_length=1,
        max_length=100,
        description="Event types of this service's catalogue, e.g. `asylum.case.status_changed`.",
        examples=[["asylum.case.opened", "asylum.case.status_changed"]],
    )
    description: str | None = Field(default=None, max_length=500, description="A note for the partner's own use.")
    active: bool = Field(default=True, description="Whether events are delivered to it.")


class WebhookSubscriptionUpdate(BaseModel):
    """Fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2000, description="New endpoint URL.")
    event_types: list[EventType] | None = Field(
        default=None, min_length=1, max_length=100, description="New event types."
    )
    description: str | None = Field(default=None, max_length=500, description="New note.")
    active: bool | None = Field(default=None, description="Pause (`false`) or resume (`true`) deliveries.")


class WebhookSubscriptionRead(BaseModel):
    """A subscription as its partner sees it; the secret is never shown again after creation or rotation."""

    id: str
    partner_id: str
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    previous_secret_expires_at: datetime | None = Field(
        description="Until when the secret replaced by the last rotation still signs deliveries (null: none does)."
    )
    created_at: datetime
    updated_at: datetime


class WebhookSubscriptionCreated(WebhookSubscriptionRead):
    """The new subscription with its signing secret, shown this once."""

    secret: str = Field(
        description="Standard Webhooks secret (`whsec_` + base64): verify each delivery's `webhook-signature` with it. "
        "Store it now; it is never shown again.",
    )


class SecretRotation(BaseModel):
    """How long the old secret keeps signing beside the new one."""

    model_config = ConfigDict(extra="forbid")

    overlap_seconds: int = Field(
        default=24 * 3600,
        ge=0,
        le=MAX_OVERLAP_SECONDS,
        description="Seconds during which deliveries carry signatures by both the old and the new secret "
        "(0: the old one stops at once; at most 7 days).",
    )


class SecretRotated(BaseModel):
    """The subscription's new secret, shown this once."""

    subscription_id: str
    secret: str = Field(description="The new Standard Webhooks secret (`whsec_` + base64).")
    previous_secret_expires_at: datetime | None = Field(
        description="Until when the old secret also signs deliveries (null: it stopped at once)."
    )


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"
    cancelled = "cancelled"


class DeliveryRead(BaseModel):
    """One delivery of one event to one receiver, and how it went."""

    id: int
    event_id: str
    event_type: str
    subscription_id: str | None = Field(description="The partner's subscription (null: a peer service's delivery).")
    subscriber: str = Field(description="Who receives it: `webhook:<subscription id>` or a peer service's name.")
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When the next attempt is due (pending only).")
    last_error: str | None = Field(description="Why the last attempt failed: an HTTP status or a transport error.")
    delivered_at: datetime | None
    dead_at: datetime | None = Field(description="When the delivery gave up after its last retry.")
    created_at: datetime = Field(description="When the event was written.")
