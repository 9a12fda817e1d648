"""At-least-once delivery: an approval that arrives again changes nothing downstream."""

from __future__ import annotations

import json
from typing import Any

from shared.schemas import events
from tests.asylum.api.factories import officer as asylum_officer
from tests.flows.conftest import System
from tests.flows.journey import approve_deserter, payments_officer
from tests.harness import Tokens, signed_headers


async def downstream(system: System, tokens: Tokens, applicant_id: str) -> dict[str, Any]:
    """Everything payments and asylum hold for the applicant, as the partner reads it."""
    obligations = await system.clients["payments"].get("/v1/obligations", headers=payments_officer(tokens))
    cases = (await system.clients["asylum"].get("/v1/cases", headers=asylum_officer(tokens))).json()["items"]
    family = [
        (await system.clients["asylum"].get(f"/v1/cases/{c['id']}/dependants", headers=asylum_officer(tokens))).json()
        for c in cases
    ]
    return {"obligations": obligations.json()["items"], "cases": cases, "family": family}


async def test_a_repeated_delivery_changes_nothing(system: System, tokens: Tokens) -> None:
    approved = await approve_deserter(system, tokens)
    before = await downstream(system, tokens, approved.applicant_id)
    assert (len(before["obligations"]), len(before["cases"]), len(before["family"][0])) == (2, 1, 1)

    # The acknowledgements were lost: the outbox sends the approval to both consumers, and the child's
    # registration to asylum, again.
    assert await system.undeliver("eligibility") == 3
    assert await system.deliver_events() == 3
    assert await downstream(system, tokens, approved.applicant_id) == before

    # A copy of the same signed envelope posted straight to each consumer is accepted and ignored too.
    (envelope,) = [e for e in await system.outbox_payloads("eligibility") if e["type"] == events.APPLICANT_APPROVED]
    body = json.dumps(envelope).encode()
    for name in ("payments", "asylum"):
        headers = signed_headers(system.settings[name].var_dir, "eligibility", body, envelope["id"])
        again = await system.clients[name].post("/v1/events", content=body, headers=headers)
        assert again.status_code == 204, again.text
    assert await downstream(system, tokens, approved.applicant_id) == before
