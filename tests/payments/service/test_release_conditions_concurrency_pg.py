"""An approval and its release condition heard at the same moment never miss each other (PostgreSQL)."""

import asyncio
from datetime import UTC, datetime

import pytest

from shared.schemas.events import APPLICANT_APPROVED, ARRIVAL_VERIFIED
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import approval, obligations_of, officer, send_event

pytestmark = pytest.mark.postgres_only

APPLICANTS = [f"arrives-{n}" for n in range(20)]


async def test_an_arrival_heard_together_with_the_approval_always_releases_the_arrival_tranche(
    payments: Harness, tokens: Tokens
) -> None:
    deliveries = []
    for applicant_id in APPLICANTS:
        arrived = {"applicant_id": applicant_id, "partner_id": "DE", "verified_at": datetime.now(UTC).isoformat()}
        deliveries += [
            send_event(payments, APPLICANT_APPROVED, approval(applicant_id=applicant_id)),
            send_event(payments, ARRIVAL_VERIFIED, arrived),
        ]
    responses = await asyncio.gather(*deliveries)
    assert {r.status_code for r in responses} == {204}
    for applicant_id in APPLICANTS:
        statuses = {o["trigger"]: o["status"] for o in await obligations_of(payments, officer(tokens), applicant_id)}
        assert statuses == {"verified_arrival": "due", "asylum_granted": "waiting"}, applicant_id
