"""The partner's side of the demo: its policy, funding and webhooks, and an auditor checking its ledger."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from carrots.demo.harness import Demo, check, expect, say, step, usd, wait_for

CONTRIBUTION_MINOR = 50_000_000
TREASURY_IBAN = "DE89370400440532013000"
# What the partner's integration subscribes to on each service, and must have received by the end.
WEBHOOK_TYPES = {
    "eligibility": ("eligibility.applicant.approved", "eligibility.applicant.arrival_verified"),
    "payments": ("payments.payout.status_changed",),
    "asylum": ("asylum.case.opened", "asylum.case.status_changed"),
    "testimony": ("testimony.publication.taken_down",),
}


def subscribe_webhooks(demo: Demo, receiver_url: str) -> None:
    """Germany's integration subscribes its webhook endpoint to events of every service."""
    with step("Germany's own systems subscribe a webhook endpoint to the programme's events"):
        headers = demo.tokens.partner("DE", ("webhooks:write", "webhooks:read"), "integration")
        for service, types in WEBHOOK_TYPES.items():
            created = expect(
                demo.clients[service].post(
                    "/v1/webhook-subscriptions",
                    json={"url": f"{receiver_url}/{service}", "event_types": list(types), "description": "demo"},
                    headers=headers,
                ),
                201,
                f"subscribing on {service}",
            )
            demo.receiver.secrets[service] = created["secret"]
        say(f"a small local receiver listens at {receiver_url}; each service gave it its own signing secret")


def prepare_partner(demo: Demo) -> None:
    """Germany installs the shipped default policy and funds its programme."""
    with step("Germany (partner DE) installs the default policy and funds its programme"):
        eligibility = demo.clients["eligibility"]
        headers = demo.eligibility("policy-officer")
        policy = expect(eligibility.get("/v1/policies/default", headers=headers), 200, "reading the default policy")
        import yaml

        uploaded = eligibility.post(
            "/v1/policies",
            content=yaml.safe_dump(policy),
            headers={**headers, "Content-Type": "application/yaml"},
        )
        expect(uploaded, 201, "installing the policy")
        say("the default policy is in force: it decides tiers and amounts")
        payments = demo.clients["payments"]
        treasurer = demo.payments("treasurer")
        account = expect(
            payments.post(
                "/v1/accounts",
                json={"currency": "USD", "kind": "funding", "bank_iban": TREASURY_IBAN, "bank_holder": "Treasury DE"},
                headers=treasurer,
            ),
            201,
            "opening a funding account",
        )
        expect(
            payments.post(
                "/v1/contributions",
                json={"funding_account_id": account["id"], "amount_minor": CONTRIBUTION_MINOR, "reference": "budget"},
                headers={**treasurer, "Idempotency-Key": str(uuid.uuid4())},
            ),
            201,
            "paying in the contribution",
        )
        balance = expect(payments.get(f"/v1/accounts/{account['id']}", headers=treasurer), 200, "reading the balance")
        check(balance["balance_minor"] == CONTRIBUTION_MINOR, f"funding balance is {balance['balance_minor']}")
        demo.funding["DE"] = account["id"]
        say(f"the programme's funding account holds {usd(CONTRIBUTION_MINOR)}")


def webhooks_received(demo: Demo) -> None:
    """Every subscribed type reached the partner's endpoint, each delivery verified with its secret."""
    with step("Germany's webhook endpoint received the events, each signature verified"):
        wanted = {t for types in WEBHOOK_TYPES.values() for t in types}
        wait_for(
            lambda: wanted <= demo.receiver.types(),
            f"missing {sorted(wanted - demo.receiver.types())}; refused {demo.receiver.refused}",
        )
        check(not demo.receiver.refused, f"deliveries refused: {demo.receiver.refused}")
        say(f"{len(demo.receiver.received)} deliveries of {len(wanted)} types, every one verified, none refused")


def audit(demo: Demo, folder: Path) -> None:
    """The auditor pulls the ledger and verifies it offline against the signed checkpoint."""
    payments = demo.clients["payments"]
    with step("An auditor pulls DE's ledger and verifies it offline"):
        expect(payments.post("/v1/ledger/checkpoints", headers=demo.payments("treasurer")), 200, "signing a checkpoint")
        auditor = demo.tokens.headers(
            "AUDIT-FIRM", "auditor", ("ledger:audit",), "AUDIT-FIRM:auditor-1", mandates=("DE",)
        )
        trial = expect(payments.get("/v1/audit/partners/DE/trial-balance", headers=auditor), 200, "trial balance")
        check(all(c["balanced"] for c in trial["currencies"]), f"trial balance is {trial}")
        say("the trial balance is balanced in every currency")
        export = payments.get("/v1/audit/partners/DE/export", headers=auditor)
        expect(export, 200, "exporting the ledger")
        key = expect(payments.get("/v1/ledger/checkpoint-key"), 200, "reading the checkpoint key")
        (folder / "ledger.jsonl").write_bytes(export.content)
        (folder / "checkpoint-key.pem").write_text(key["public_key_pem"])
        verified = subprocess.run(
            [
                sys.executable,
                "-m",
                "carrots.cli",
                "ledger",
                "verify",
                str(folder / "ledger.jsonl"),
                "--public-key",
                str(folder / "checkpoint-key.pem"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        check(verified.returncode == 0, f"`carrots ledger verify` said: {verified.stdout}{verified.stderr}")
        lines = export.content.count(b"\n")
        say(f"`carrots ledger verify` checked the {lines}-line export offline: intact")
