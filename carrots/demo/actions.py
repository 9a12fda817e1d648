"""What officers do again and again in the demo: register, assess and approve, read obligations, pay."""

from __future__ import annotations

import uuid
from typing import Any

from carrots.demo.harness import Demo, check, expect, say, usd


def register(demo: Demo, body: dict[str, Any], org: str = "DE") -> dict[str, Any]:
    """Register an applicant as the partner's intake officer."""
    registered: dict[str, Any] = expect(
        demo.clients["eligibility"].post("/v1/applicants", json=body, headers=demo.eligibility("intake", org)),
        201,
        "registering the applicant",
    )
    return registered


def assess_and_approve(demo: Demo, applicant_id: str, tier: str, org: str = "DE") -> dict[str, Any]:
    """An assessor assesses; as many other officers as the amount requires approve."""
    eligibility = demo.clients["eligibility"]
    assessment: dict[str, Any] = expect(
        eligibility.post(
            f"/v1/applicants/{applicant_id}/assessments", json={}, headers=demo.eligibility("assessor", org)
        ),
        201,
        "assessing",
    )
    check(assessment["tier"] == tier, f"assessed as {assessment['tier']!r}, expected {tier!r}")
    needed = assessment["required_approvers"]
    say(f"assessed: tier {tier}; {needed} distinct approver{'s' if needed > 1 else ''} needed")
    for n in range(assessment["required_approvers"]):
        assessment = expect(
            eligibility.post(
                f"/v1/assessments/{assessment['id']}/approvals", headers=demo.eligibility(f"approver-{n + 1}", org)
            ),
            200,
            "approving",
        )
        say(f"approved by approver-{n + 1}")
    check(assessment["status"] == "approved", f"assessment is {assessment['status']!r}")
    return assessment


def obligations(demo: Demo, applicant_id: str, org: str = "DE") -> dict[str, dict[str, Any]]:
    """The applicant's obligations in payments, keyed by what releases them."""
    listed = expect(
        demo.clients["payments"].get(
            "/v1/obligations", params={"applicant_id": applicant_id}, headers=demo.payments("treasurer", org)
        ),
        200,
        "listing obligations",
    )
    return {o["trigger"]: o for o in listed["items"]}


def pay(demo: Demo, obligation: dict[str, Any], org: str = "DE") -> dict[str, Any]:
    """Create a payout, let other officers approve it as often as required, and execute it."""
    payments = demo.clients["payments"]
    treasurer = demo.payments("treasurer", org)
    key = str(uuid.uuid4())
    payout = expect(
        payments.post(
            "/v1/payouts",
            json={"obligation_id": obligation["id"], "funding_account_id": demo.funding[org]},
            headers={**treasurer, "Idempotency-Key": key},
        ),
        201,
        "creating the payout",
    )
    for n in range(payout["required_approvals"]):
        expect(
            payments.post(f"/v1/payouts/{payout['id']}/approvals", headers=demo.payments(f"checker-{n + 1}", org)),
            200,
            "approving the payout",
        )
        say(f"payout of {usd(payout['amount_minor'])} approved by checker-{n + 1}")
    executed: dict[str, Any] = expect(
        payments.post(f"/v1/payouts/{payout['id']}/execute", headers={**treasurer, "Idempotency-Key": key + ":x"}),
        200,
        "executing the payout",
    )
    check(executed["status"] == "executed", f"payout is {executed['status']!r}")
    say(f"payout executed: {usd(executed['amount_minor'])}")
    return executed
