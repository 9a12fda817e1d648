"""`carrots demo`: start the whole system on a throw-away folder and walk the programme over HTTP.

Every call goes to the real services, started as processes by `carrots up`, with development tokens; each
outcome is checked, and the first one that is not what it should be ends the demo with a non-zero status.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import httpx

SERVICE_NAMES = ("eligibility", "payments", "asylum", "testimony", "registry")
START_SECONDS = 240
EVENT_SECONDS = 60

ELIGIBILITY_SCOPES = (
    "applicants:read",
    "applicants:write",
    "policies:read",
    "policies:write",
    "assessments:read",
    "assessments:write",
    "assessments:approve",
    "screening:read",
    "screening:review",
    "waivers:request",
    "waivers:approve",
)
PAYMENTS_SCOPES = (
    "ledger:read",
    "ledger:write",
    "obligations:read",
    "payouts:read",
    "payouts:write",
    "payouts:approve",
    "payouts:execute",
    "bank_accounts:write",
)
ASYLUM_SCOPES = ("cases:read", "cases:write", "cases:consent")
ROAD_TO_GRANT = ("lodged", "interview_scheduled", "interviewed", "granted")
# The shipped default policy's bounty for a deserter with verified service, in US cents, and its two tranches.
BOUNTY_MINOR = 10_000_000
ARRIVAL_MINOR = 2_500_000
GRANTED_MINOR = 7_500_000
CONTRIBUTION_MINOR = 50_000_000
TREASURY_IBAN = "DE89370400440532013000"
# Made-up account numbers of the example beneficiaries (valid check digits, no real account).
BENEFICIARY_IBAN = "GB82WEST12345698765432"


# What the partner's integration subscribes to on each service, and must have received by the end.
WEBHOOK_TYPES = {
    "eligibility": ("eligibility.applicant.approved", "eligibility.applicant.arrival_verified"),
    "payments": ("payments.payout.status_changed",),
    "asylum": ("asylum.case.opened", "asylum.case.status_changed"),
    "testimony": ("testimony.publication.taken_down",),
}
TESTIMONY_SCOPES = (
    "testimonies:read",
    "testimonies:write",
    "testimonies:consent",
    "testimonies:redact",
    "testimonies:review",
    "testimonies:publish",
)
# Made up for the demo: a family member's name the redactor must hide before publication.
SISTER = "Sestrina"


class DemoFailure(Exception):
    """An outcome of the demo was not what the programme promises."""


def check(condition: bool, what: str) -> None:
    """Fail the current step with `what` unless the condition holds."""
    if not condition:
        raise DemoFailure(what)


def expect(response: httpx.Response, status: int, what: str) -> Any:
    """The JSON of a response that must have `status`; otherwise the step fails with the service's answer."""
    if response.status_code != status:
        raise DemoFailure(f"{what}: expected HTTP {status}, got {response.status_code}: {response.text[:400]}")
    kind = response.headers.get("content-type", "").split(";")[0]
    return response.json() if kind in ("application/json", "application/problem+json") else None


def wait_for(probe: Callable[[], Any], what: str, seconds: float = EVENT_SECONDS) -> Any:
    """Poll until `probe` returns something truthy (events travel through the workers); fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise DemoFailure(f"{what}: still not there after {seconds:.0f} s")
        time.sleep(0.2)


def say(text: str) -> None:
    typer.echo(f"  {text}")


@dataclass
class Tokens:
    """Development tokens, signed with the demo system's own key."""

    var_dir: Path

    def headers(self, org: str, kind: str, scopes: tuple[str, ...], subject: str, **extra: Any) -> dict[str, str]:
        from shared.devkeys import ensure_dev_signing_key
        from shared.tokens import CallerKind, issue_token

        token = issue_token(
            ensure_dev_signing_key(self.var_dir),
            org=org,
            kind=CallerKind(kind),
            scopes=scopes,
            subject=subject,
            **extra,
        )
        return {"Authorization": f"Bearer {token}"}

    def partner(self, org: str, scopes: tuple[str, ...], officer: str) -> dict[str, str]:
        return self.headers(org, "partner", scopes, f"{org}:{officer}")


@dataclass
class WebhookReceiver:
    """A partner's webhook endpoint on localhost: verifies each delivery with the `standardwebhooks` library."""

    secrets: dict[str, str] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def handle(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        from standardwebhooks import Webhook, WebhookVerificationError

        secret = self.secrets.get(path.strip("/"))
        if secret is None:
            self.refused.append(f"{path}: no subscription posts here")
            return 404
        try:
            payload = Webhook(secret).verify(body, headers)
        except WebhookVerificationError as error:
            self.refused.append(f"{path}: {error}")
            return 401
        self.received.append(payload)
        return 204

    def types(self) -> set[str]:
        return {str(p["type"]) for p in self.received}


@contextmanager
def serving(receiver: WebhookReceiver) -> Iterator[str]:
    """Serve the receiver on a free local port in a thread; yields its base URL."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.handle(self.path, body, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Demo:
    """The running demo system: one HTTP client per service and the tokens to call them."""

    clients: dict[str, httpx.Client]
    tokens: Tokens
    receiver: WebhookReceiver
    funding: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)

    def eligibility(self, officer: str, org: str = "DE") -> dict[str, str]:
        return self.tokens.partner(org, ELIGIBILITY_SCOPES, officer)

    def payments(self, officer: str, org: str = "DE") -> dict[str, str]:
        return self.tokens.partner(org, PAYMENTS_SCOPES, officer)

    def asylum(self, org: str = "DE") -> dict[str, str]:
        return self.tokens.partner(org, ASYLUM_SCOPES, "case-officer")


@contextmanager
def step(title: str) -> Iterator[None]:
    """Print a step's title; a failure inside it names the step."""
    typer.echo(f"\n== {title}")
    try:
        yield
    except DemoFailure as failure:
        raise DemoFailure(f"step '{title}' failed: {failure}") from failure


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@contextmanager
def running_system(folder: Path) -> Iterator[dict[str, str]]:
    """Start `carrots up` on `folder` with free ports; yields each service's URL and stops everything after."""
    ports = dict(zip(SERVICE_NAMES, _free_ports(len(SERVICE_NAMES)), strict=True))
    command = [sys.executable, "-m", "carrots.cli", "up", "--var-dir", str(folder / "var")]
    for name, port in ports.items():
        command += [f"--{name}-port", str(port)]
    # The embedded default: SQLite under the demo's folder, whatever databases this shell points at.
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env["CARROTS_STATE_DIR"] = str(folder / "state")
    for name in SERVICE_NAMES:
        # Events and jobs move quickly so the demo does not wait on pollers.
        env[f"{name.upper()}_OUTBOX_POLL_SECONDS"] = "0.2"
        env[f"{name.upper()}_WORKER_POLL_SECONDS"] = "0.2"
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, start_new_session=True
    )
    output: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        # Keep reading so the services never stall on a full pipe; the log is shown only on failure.
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "Press Ctrl-C" in line:
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        ready.wait(timeout=START_SECONDS)
        if process.poll() is not None or not any("Press Ctrl-C" in line for line in output):
            raise DemoFailure("the services did not start:\n" + "".join(output[-40:]))
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    except DemoFailure:
        typer.echo("".join(output[-40:]), err=True)
        raise
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


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
        say(f"the programme's funding account holds {_usd(CONTRIBUTION_MINOR)}")


def _usd(minor: int) -> str:
    return f"USD {minor // 100:,}.{minor % 100:02d}"


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
        say(f"payout of {_usd(payout['amount_minor'])} approved by checker-{n + 1}")
    executed: dict[str, Any] = expect(
        payments.post(f"/v1/payouts/{payout['id']}/execute", headers={**treasurer, "Idempotency-Key": key + ":x"}),
        200,
        "executing the payout",
    )
    check(executed["status"] == "executed", f"payout is {executed['status']!r}")
    say(f"payout executed: {_usd(executed['amount_minor'])}")
    return executed


def deserter_journey(demo: Demo) -> None:
    """A deserting conscript: registration, approval, two bounty tranches released by events and paid."""
    with step("A deserter is registered and screened"):
        deserter = register(
            demo,
            {
                "category": "conscript",
                "names": [
                    {"script": "cyrillic", "given": "Дезертир", "family": "Примеров"},
                    {"script": "latin", "given": "Dezertir", "family": "Primerov"},
                ],
                "birth_date": "1999-04-01",
                "citizenship": "RU",
                "documents": [{"type": "passport", "issuing_country": "RU", "number": "75 0000001"}],
                "evidence": {"service_verified": True},
            },
        )
        check(deserter["screening_status"] == "clear", f"screening says {deserter['screening_status']!r}")
        check(deserter["duplicate_status"] == "none", f"duplicate check says {deserter['duplicate_status']!r}")
        say("registered; screening against the sanctions list: clear; no other partner holds his passport")
        applicant_id = str(deserter["id"])
        child = register(
            demo,
            {
                "category": "family_member",
                "main_applicant_id": applicant_id,
                "names": [{"script": "latin", "given": "Doch", "family": "Primerova"}],
                "birth_date": "2015-02-03",
                "citizenship": "RU",
                "documents": [],
            },
        )
        say("his daughter is registered as his family member")
    with step("The deserter is assessed and approved by two officers"):
        assess_and_approve(demo, applicant_id, "deserter")
    with step("The approval reaches payments: the bounty becomes two waiting tranches"):
        found = wait_for(lambda: len(obligations(demo, applicant_id)) == 2, "the bounty's tranches")
        check(bool(found), "no obligations")
        owed = obligations(demo, applicant_id)
        check(
            {t: (o["amount_minor"], o["status"]) for t, o in owed.items()}
            == {"verified_arrival": (ARRIVAL_MINOR, "waiting"), "asylum_granted": (GRANTED_MINOR, "waiting")},
            f"obligations are {owed}",
        )
        say(f"{_usd(ARRIVAL_MINOR)} waits for his verified arrival, {_usd(GRANTED_MINOR)} for asylum")
        expect(
            demo.clients["payments"].put(
                f"/v1/beneficiaries/{applicant_id}/bank-account",
                json={"iban": BENEFICIARY_IBAN, "holder": "Beneficiary Holder"},
                headers=demo.payments("treasurer"),
            ),
            200,
            "recording the bank account",
        )
        say("his bank account is on file (encrypted)")
    with step("His arrival is verified: the first tranche is released and paid"):
        expect(
            demo.clients["eligibility"].patch(
                f"/v1/applicants/{applicant_id}/evidence",
                json={"arrived_in_partner_territory": True},
                headers=demo.eligibility("intake"),
            ),
            200,
            "recording the arrival",
        )
        wait_for(
            lambda: obligations(demo, applicant_id)["verified_arrival"]["status"] == "due", "the arrival tranche due"
        )
        say("the arrival event made the first tranche due")
        pay(demo, obligations(demo, applicant_id)["verified_arrival"])
    with step("His asylum case moves to granted: the second tranche is released and paid"):
        asylum = demo.clients["asylum"]
        cases = wait_for(
            lambda: expect(
                asylum.get("/v1/cases", params={"applicant_id": applicant_id}, headers=demo.asylum()),
                200,
                "listing cases",
            )["items"],
            "his asylum case",
        )
        case_id = cases[0]["id"]
        demo.people["deserter"] = applicant_id
        demo.people["deserter_case"] = case_id
        say("the approval opened an asylum case")
        family = wait_for(
            lambda: expect(
                asylum.get(f"/v1/cases/{case_id}/dependants", headers=demo.asylum()), 200, "listing the family"
            ),
            "his daughter on the case",
        )
        check([d["person_ref"] for d in family] == [child["id"]], f"the case's dependants are {family}")
        say("his daughter is on the case as a dependant: asylum covers the family")
        for state in ROAD_TO_GRANT:
            moved = expect(
                asylum.post(
                    f"/v1/cases/{case_id}/transitions",
                    json={"to_state": state, "reason": f"step to {state}"},
                    headers=demo.asylum(),
                ),
                200,
                f"moving the case to {state}",
            )
            say(f"case: {moved['state']}")
        wait_for(lambda: obligations(demo, applicant_id)["asylum_granted"]["status"] == "due", "the asylum tranche due")
        say("the case event made the second tranche due")
        pay(demo, obligations(demo, applicant_id)["asylum_granted"])
        owed = obligations(demo, applicant_id)
        check(all(o["status"] == "paid" for o in owed.values()), f"obligations are {owed}")
        balance = expect(
            demo.clients["payments"].get(f"/v1/accounts/{demo.funding['DE']}", headers=demo.payments("treasurer")),
            200,
            "reading the balance",
        )
        check(balance["balance_minor"] == CONTRIBUTION_MINOR - BOUNTY_MINOR, f"balance is {balance['balance_minor']}")
        say(f"the whole bounty is paid; the funding account holds {_usd(balance['balance_minor'])}")
    with step("The payouts go to the bank in one payment file"):
        bank_file = demo.clients["payments"].post(
            "/v1/bank-files",
            json={"funding_account_id": demo.funding["DE"], "execution_date": "2026-12-07"},
            headers=demo.payments("treasurer"),
        )
        expect(bank_file, 200, "building the bank file")
        paid = expect(
            demo.clients["payments"].get(
                "/v1/payouts", params={"applicant_id": applicant_id}, headers=demo.payments("treasurer")
            ),
            200,
            "listing payouts",
        )["items"]
        check(len(paid) >= 2, f"payouts are {paid}")
        check(all(p["end_to_end_id"].encode() in bank_file.content for p in paid), "a payout is missing from the file")
        say(f"a {len(bank_file.content):,}-byte ISO 20022 file carries both payouts for the bank")


def duplicate_elsewhere(demo: Demo) -> None:
    """Poland registers someone with the deserter's passport, spelt differently: the duplicate is flagged."""
    with step("Poland registers a person with the same passport, written differently"):
        twin = register(
            demo,
            {
                "category": "conscript",
                "names": [{"script": "latin", "given": "Dezertir", "family": "Primerow"}],
                "birth_date": "1999-04-01",
                "citizenship": "RU",
                "documents": [{"type": "international_passport", "issuing_country": "ru", "number": "75-000 0001"}],
                "evidence": {"service_verified": True},
            },
            org="PL",
        )
        check(twin["duplicate_status"] == "suspected", f"duplicate check says {twin['duplicate_status']!r}")
        say("flagged as a suspected duplicate across partners, from keyed hashes: neither sees the other's data")


def senior_official_journey(demo: Demo) -> None:
    """A senior official on the (synthetic) sanctions list: the hit blocks approval until a reviewer clears it."""
    eligibility = demo.clients["eligibility"]
    with step("A senior official who left his post is registered: screening finds him on the list"):
        official = register(
            demo,
            {
                "category": "official",
                "names": [{"script": "latin", "given": "Vymysl Ivanovich", "family": "Obraztsov"}],
                "birth_date": "1961-03-14",
                "citizenship": "RU",
                "documents": [],
                "evidence": {"left_post": True},
            },
        )
        check(official["screening_status"] == "hits", f"screening says {official['screening_status']!r}")
        hits = expect(
            eligibility.get(f"/v1/applicants/{official['id']}/screening-hits", headers=demo.eligibility("reviewer")),
            200,
            "listing hits",
        )
        check(len(hits) >= 1, "no hit listed")
        say(f"screening: {len(hits)} hit on the synthetic list (a made-up entry) awaits review")
    with step("The hit blocks approval until an officer reviews and clears it"):
        assessment = expect(
            eligibility.post(
                f"/v1/applicants/{official['id']}/assessments", json={}, headers=demo.eligibility("assessor")
            ),
            201,
            "assessing",
        )
        check(assessment["tier"] == "senior_official_who_left", f"assessed as {assessment['tier']!r}")
        blocked = eligibility.post(
            f"/v1/assessments/{assessment['id']}/approvals", headers=demo.eligibility("approver-1")
        )
        check(blocked.status_code == 409, f"approval with an open hit answered {blocked.status_code}")
        say("approval refused while the hit awaits review")
        for hit in hits:
            cleared = expect(
                eligibility.post(f"/v1/screening-hits/{hit['id']}/clearance", headers=demo.eligibility("reviewer")),
                200,
                "clearing the hit",
            )
            check(cleared["status"] == "cleared", f"hit is {cleared['status']!r}")
        say("a reviewer cleared the hit")
    with step("The senior official is approved by as many officers as his award needs"):
        approved = assess_and_approve(demo, str(official["id"]), "senior_official_who_left")
        check(approved["required_approvers"] >= 3, f"only {approved['required_approvers']} approvers")
        found = wait_for(lambda: obligations(demo, str(official["id"])), "his award's obligations")
        say(f"payments holds {len(found)} obligations for him: his award's tranches and his stipend")


def other_people(demo: Demo) -> None:
    """A diplomat who resigned and a skilled engineer: each gets the tier the policy gives."""
    with step("A diplomat who resigned is registered, assessed and approved"):
        diplomat = register(
            demo,
            {
                "category": "diplomat",
                "names": [{"script": "latin", "given": "Diplomat", "family": "Otstavkin"}],
                "birth_date": "1975-06-30",
                "citizenship": "RU",
                "documents": [{"type": "passport", "issuing_country": "RU", "number": "75 0000002"}],
                "evidence": {"left_post": True},
            },
        )
        check(diplomat["screening_status"] == "clear", f"screening says {diplomat['screening_status']!r}")
        assess_and_approve(demo, str(diplomat["id"]), "diplomat_who_resigned")
        wait_for(lambda: obligations(demo, str(diplomat["id"])), "the diplomat's award and stipend")
        diplomat_cases = wait_for(
            lambda: expect(
                demo.clients["asylum"].get("/v1/cases", params={"applicant_id": diplomat["id"]}, headers=demo.asylum()),
                200,
                "listing cases",
            )["items"],
            "the diplomat's case",
        )
        demo.people["diplomat_case"] = diplomat_cases[0]["id"]
        say("his award and stipend are obligations in payments; an asylum case is open for him")
    with step("A skilled engineer is registered and given an open door"):
        engineer = register(
            demo,
            {
                "category": "skilled_professional",
                "names": [{"script": "latin", "given": "Inzhener", "family": "Talantov"}],
                "birth_date": "1990-09-09",
                "citizenship": "RU",
                "documents": [{"type": "passport", "issuing_country": "RU", "number": "75 0000003"}],
            },
        )
        assessment = assess_and_approve(demo, str(engineer["id"]), "skilled_professional")
        check(not assessment["entitlements"].get("bounty"), "an engineer got a bounty")
        say("tier skilled_professional: a residence path, no bounty")


def share_with_ngo(demo: Demo) -> None:
    """The deserter's case is shared with an NGO, which reads it; a case not shared stays invisible to it."""
    asylum = demo.clients["asylum"]
    ngo = demo.tokens.headers("NGO-A", "ngo", ("shared-cases:read",), "NGO-A:caseworker")
    with step("The deserter shares his case with an NGO, which reads it and nothing else"):
        case_id = demo.people["deserter_case"]
        expect(
            asylum.post(
                f"/v1/cases/{case_id}/access-grants", json={"ngo_org": "NGO-A", "level": "full"}, headers=demo.asylum()
            ),
            201,
            "granting the NGO access",
        )
        shared = expect(asylum.get(f"/v1/shared-cases/{case_id}", headers=ngo), 200, "the NGO reading the case")
        view = shared.get("view", {})
        check(view.get("state") == "granted", f"the NGO sees the state {view.get('state')!r}")
        check(len(shared.get("dependants", [])) == 1, "the NGO does not see the family on a full grant")
        say(f"the NGO reads the shared case: {view.get('status')!r}, with his daughter on it")
        hidden = asylum.get(f"/v1/shared-cases/{demo.people['diplomat_case']}", headers=ngo)
        check(hidden.status_code == 404, f"an unshared case answered {hidden.status_code} to the NGO")
        say("the diplomat's case, never shared, answers 404 to the NGO: it cannot even learn it exists")


def testimony(demo: Demo) -> None:
    """The deserter chooses to testify: published after consent, redaction and review, then withdrawn."""
    service = demo.clients["testimony"]

    def officer(name: str) -> dict[str, str]:
        return demo.tokens.partner("DE", TESTIMONY_SCOPES, name)

    with step("The deserter chooses to give a testimony; it is redacted, reviewed and published"):
        text = (
            f"I served in a motor rifle battalion. My sister {SISTER} still lives at home.\n\n"
            "We were ordered to fire on a village; I left my unit that night."
        )
        submitted = expect(
            service.post(
                "/v1/testimonies",
                json={
                    "applicant_id": demo.people["deserter"],
                    "language": "en",
                    "text": text,
                    "family_member_refs": ["sister-1"],
                },
                headers=officer("intake"),
            ),
            201,
            "submitting the testimony",
        )
        testimony_id = submitted["id"]
        say("testimony recorded (optional: it changes nothing about his tier or payments)")
        consent = expect(
            service.post(
                f"/v1/testimonies/{testimony_id}/consents",
                json={
                    "subject_ref": "author",
                    "terms": {
                        "grants": {"public_publication": {"attribution": "anonymous"}},
                        "notice_version": "notice-2026-11",
                        "method": "officer_witnessed",
                    },
                },
                headers=officer("intake"),
            ),
            201,
            "recording his consent",
        )
        say("he consents to anonymous publication and keeps a withdrawal token")
        derivative = expect(
            service.post(
                f"/v1/testimonies/{testimony_id}/derivatives",
                json={
                    "title": "The night I left",
                    "redact_terms": [{"terms": [SISTER], "category": "family_name", "subject_ref": "sister-1"}],
                    "media_original_ids": [],
                },
                headers=officer("redactor"),
            ),
            201,
            "redacting",
        )
        say("a redactor hides his sister's name")
        for reviewer in ("reviewer-a", "reviewer-b"):
            expect(
                service.post(
                    f"/v1/testimonies/{testimony_id}/derivatives/{derivative['id']}/reviews",
                    json={"content_sha256": derivative["content_sha256"]},
                    headers=officer(reviewer),
                ),
                201,
                "reviewing",
            )
        say("two reviewers approve the redacted text")
        publication = expect(
            service.post(
                f"/v1/testimonies/{testimony_id}/derivatives/{derivative['id']}/publications",
                headers=officer("publisher"),
            ),
            201,
            "publishing",
        )
        public = service.get(f"/public/testimonies/{publication['id']}")
        check(public.status_code == 200, f"the public page answered {public.status_code}")
        check(SISTER not in public.text, "the sister's name is on the public page")
        say("published: the public page shows it, without his sister's name")
    with step("He withdraws his consent without logging in: the testimony disappears at once"):
        expect(
            service.post("/public/consent/withdrawals", json={"token": consent["withdrawal_token"]}),
            200,
            "withdrawing the consent",
        )
        gone = service.get(f"/public/testimonies/{publication['id']}")
        check(gone.status_code == 410, f"after withdrawal the public page answered {gone.status_code}")
        say("withdrawn with his token alone; the public page answers 410 Gone before the call even returned")


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


def run(folder: Path) -> None:
    """Start the system on `folder` and walk the programme; raises DemoFailure on the first wrong outcome."""
    import httpx

    typer.echo("Starting the services and their workers on SQLite in a temporary folder...")
    started = time.monotonic()
    with running_system(folder) as urls:
        typer.echo(f"All services are up ({time.monotonic() - started:.0f} s).")
        clients = {name: httpx.Client(base_url=url, timeout=30) for name, url in urls.items()}
        receiver = WebhookReceiver()
        try:
            with serving(receiver) as receiver_url:
                demo = Demo(clients, Tokens(folder / "var"), receiver)
                subscribe_webhooks(demo, receiver_url)
                prepare_partner(demo)
                deserter_journey(demo)
                duplicate_elsewhere(demo)
                senior_official_journey(demo)
                other_people(demo)
                share_with_ngo(demo)
                testimony(demo)
                audit(demo, folder)
                webhooks_received(demo)
        finally:
            for client in clients.values():
                client.close()
    typer.echo(f"\nThe demo finished: every outcome was as expected ({time.monotonic() - started:.0f} s).")


def demo(
    keep: bool = typer.Option(False, help="Keep the temporary folder (databases, keys) for a look afterwards."),
) -> None:
    """Start every service on a temporary folder and walk the programme for a few people, checking each outcome."""
    folder = Path(tempfile.mkdtemp(prefix="carrots-demo-"))
    try:
        run(folder)
    except DemoFailure as failure:
        typer.echo(f"\nDEMO FAILED: {failure}", err=True)
        raise typer.Exit(1) from failure
    finally:
        if keep:
            typer.echo(f"The demo's folder: {folder}")
        else:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
