"""Approvals of one applicant delivered at the same time are applied one after the other (PostgreSQL)."""

import asyncio
import random
from datetime import date, timedelta
from typing import Any

import pytest

from shared.schemas.events import APPLICANT_APPROVED
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import approval, obligations_of, officer, send_event

pytestmark = pytest.mark.postgres_only

APPLICANTS = [f"race-{n}" for n in range(5)]


def approvals_of(applicant_id: str, count: int = 10) -> list[dict[str, Any]]:
    """`count` approvals of one applicant on successive days, oldest first."""
    tranches = [(100_000, "approval"), (300_000, "asylum_granted")]
    return [
        approval(applicant_id=applicant_id, tranches=tranches, approved_on=date(2026, 11, 1) + timedelta(days=n))
        for n in range(count)
    ]


async def test_concurrent_approvals_of_one_applicant_leave_only_the_newest_standing(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    by_applicant = {a: approvals_of(a) for a in APPLICANTS}
    mixed = [data for batch in by_applicant.values() for data in batch]
    random.Random(7).shuffle(mixed)
    responses = await asyncio.gather(*(send_event(payments, APPLICANT_APPROVED, data) for data in mixed))
    assert {r.status_code for r in responses} == {204}
    for applicant_id, batch in by_applicant.items():
        standing = [o for o in await obligations_of(payments, headers, applicant_id) if o["status"] != "superseded"]
        assert {o["assessment_id"] for o in standing} == {batch[-1]["assessment_id"]}
        assert sorted(o["amount_minor"] for o in standing) == [100_000, 300_000]
    listed = (await payments.client.get("/v1/accounts", headers=headers)).json()["items"]
    # Exactly one approval tranche per applicant is left payable; every other release was reversed.
    assert {a["kind"]: a["balance_minor"] for a in listed}["beneficiary_payable"] == -100_000 * len(APPLICANTS)
