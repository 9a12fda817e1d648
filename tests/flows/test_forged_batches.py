"""Batches of events: every consumer refuses a batch whole when its signature or any event in it is not genuine."""

from __future__ import annotations

import json
import uuid

from shared.schemas.events import EventBatchResult, EventOutcome
from shared.webhooks import sign_event
from tests.conftest import AppStarter
from tests.flows.test_forged_events import CONSUMERS, FORGERIES, _another_services_key, _approved_body, _row_counts
from tests.harness import Harness, producer, serve


def _batch(source: str, *events: bytes) -> tuple[str, bytes]:
    batch_id = f"batch-{uuid.uuid4()}"
    body = {"id": batch_id, "source": source, "events": [json.loads(e) for e in events]}
    return batch_id, json.dumps(body).encode()


async def test_forged_batches_are_refused_whole_by_every_consumer_and_change_nothing(starter: AppStarter) -> None:
    for consumer in CONSUMERS:
        await _check_consumer(starter, consumer)


async def _check_consumer(starter: AppStarter, consumer: str) -> None:
    app, settings = starter.create(consumer)
    eligibility = producer(settings.var_dir, "eligibility")
    async with serve(app) as client:
        h = Harness(consumer, app, client, settings, settings.database_url)
        before = await _row_counts(h)
        for name, forge in FORGERIES.items():
            source = "testimony" if forge is _another_services_key else "eligibility"
            batch_id, body = _batch(source, _approved_body(source)[1], _approved_body(source)[1])
            response = await client.post("/v1/events/batch", content=body, headers=forge(h, body, batch_id))
            assert response.status_code == 401, f"{consumer} accepted a batch with {name}: {response.text}"
            assert response.headers["content-type"] == "application/problem+json"
        # Signed by eligibility itself, but one event inside claims another source: nothing of the batch applies.
        batch_id, body = _batch("eligibility", _approved_body()[1], _approved_body("testimony")[1])
        response = await client.post(
            "/v1/events/batch", content=body, headers=sign_event(eligibility, body, event_id=batch_id)
        )
        assert response.status_code == 401, response.text
        assert await _row_counts(h) == before

        # Genuine: each event applies once, with its own result; a replay of the batch changes nothing.
        batch_id, body = _batch("eligibility", _approved_body()[1], _approved_body()[1])
        headers = sign_event(eligibility, body, event_id=batch_id)
        first = EventBatchResult.model_validate_json(
            (await client.post("/v1/events/batch", content=body, headers=headers)).content
        )
        assert [r.outcome for r in first.results] == [EventOutcome.applied] * 2
        after = await _row_counts(h)
        assert after != before
        again = EventBatchResult.model_validate_json(
            (await client.post("/v1/events/batch", content=body, headers=headers)).content
        )
        assert [r.outcome for r in again.results] == [EventOutcome.duplicate] * 2
        assert await _row_counts(h) == after
