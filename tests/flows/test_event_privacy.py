"""What the services tell each other: pseudonymous ids and amounts, never personal data."""

from __future__ import annotations

import json

from shared.schemas import events
from tests.flows.conftest import NAMES, System
from tests.flows.journey import PERSONAL_DATA, publish_testimony, run_journey, withdraw_testimony
from tests.harness import Tokens


async def test_events_between_services_carry_no_personal_data(system: System, tokens: Tokens) -> None:
    journey = await run_journey(system, tokens)
    await withdraw_testimony(system, await publish_testimony(system, tokens, journey.approved.applicant_id))

    outboxes = {name: await system.outbox_payloads(name) for name in NAMES}
    types = {name: {e["type"] for e in payloads} for name, payloads in outboxes.items()}
    # Every service announced something in this journey, so every outbox is really looked at.
    assert events.APPLICANT_APPROVED in types["eligibility"]
    assert {events.CASE_OPENED, events.CASE_STATUS_CHANGED} <= types["asylum"]
    assert types["payments"]
    assert events.TESTIMONY_TAKEN_DOWN in types["testimony"]
    # The events do name the applicant, by the pseudonymous id every service shares.
    assert journey.approved.applicant_id in json.dumps(outboxes["eligibility"])

    for name, payloads in outboxes.items():
        for payload in payloads:
            text = json.dumps(payload, ensure_ascii=False)
            leaked = [value for value in PERSONAL_DATA if value.casefold() in text.casefold()]
            assert leaked == [], f"{name} event {payload['type']} carries {leaked}"
