"""What can go wrong with a webhook subscription or a delivery."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class SubscriptionNotFound(NotFound):
    slug = "webhook-subscription-not-found"


class DeliveryNotFound(NotFound):
    slug = "delivery-not-found"


class WebhookUrlRefused(Unprocessable):
    slug = "webhook-url-refused"


class EventTypeUnknown(Unprocessable):
    slug = "event-type-unknown"


class DeliveryNotDead(Conflict):
    slug = "delivery-not-dead"
