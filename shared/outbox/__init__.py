"""Transactional outbox: events are written with the work and delivered afterwards, at least once.

- `publisher`: `EventPublisher.publish` writes the event and one delivery per interested receiver in the
  caller's transaction (peer services subscribed to the type; the owning partner's active webhooks).
- `leases`: a round leases due deliveries (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas never deliver
  the same one at the same time).
- `sending`: a peer service gets its events in batches signed once with this service's own Ed25519 key(s)
  (`POST /v1/events/batch`, one result per event), or one per request; a partner gets each event alone,
  signed with its subscription's secret(s) (Standard Webhooks `v1`).
- `dispatcher`: one round (lease, send, record every delivered row in one statement); failed attempts are
  retried on `RETRY_SCHEDULE` (`retry`), for a little over three days, then the delivery is dead and kept,
  counted and listed until someone redelivers it.
"""

from shared.outbox.dispatcher import OutboxDispatcher
from shared.outbox.leases import PREVIOUS_SECRET_FIELD, SECRET_FIELD, LeasedDelivery
from shared.outbox.publisher import (
    WEBHOOK_SUBSCRIBER_PREFIX,
    EventPublisher,
    UnknownEventType,
    subscribes_to,
    webhook_subscriber,
)
from shared.outbox.retry import MAX_ATTEMPTS, RETRY_SCHEDULE, backoff_delay

__all__ = [
    "MAX_ATTEMPTS",
    "PREVIOUS_SECRET_FIELD",
    "RETRY_SCHEDULE",
    "SECRET_FIELD",
    "WEBHOOK_SUBSCRIBER_PREFIX",
    "EventPublisher",
    "LeasedDelivery",
    "OutboxDispatcher",
    "UnknownEventType",
    "backoff_delay",
    "subscribes_to",
    "webhook_subscriber",
]
