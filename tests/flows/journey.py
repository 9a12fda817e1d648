"""The steps of the main journey across the four services, each over the public API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.asylum.api import factories as asylum_api
from tests.eligibility.api import helpers as eligibility_api
from tests.flows.conftest import System
from tests.harness import Tokens
from tests.payments.service import helpers as payments_api
from tests.testimony.api import factories as testimony_api

# What the shipped default policy promises a deserter with verified service, in US cents.
BOUNTY_MINOR = 10_000_000
ARRIVAL_MINOR = 2_500_000
GRANTED_MINOR = 7_500_000
# What the partner puts into the programme before paying anything.
CONTRIBUTION_MINOR = 12_000_000

MAIN_DOCUMENT = "75 1234567"
CHILD_NAME = {"script": "latin", "given": "Anna", "family": "Petrova"}
CHILD_BIRTH_DATE = "2015-02-03"
CHILD_CONTACT = {"kind": "phone", "value": "+49 30 7654321"}
MAIN_CONTACT = {"kind": "email", "value": "ivan.petrov@example.org"}

# Every piece of personal data the journey hands to a service, as it could leak into an event.
PERSONAL_DATA = (
    "Иван",
    "Петров",
    "Сергеевич",
    "Ivan",
    "Petrov",
    "Petrova",
    "Anna",
    "1999-04-01",
    CHILD_BIRTH_DATE,
    MAIN_DOCUMENT,
    MAIN_DOCUMENT.replace(" ", ""),
    CHILD_CONTACT["value"],
    MAIN_CONTACT["value"],
    payments_api.BENEFICIARY_IBAN,
    "Beneficiary Holder",
    testimony_api.SECRET_WORD,
)


@dataclass(frozen=True)
class Approved:
    """What eligibility approved, and where the other services put it."""

    applicant_id: str
    dependant_id: str
    assessment: dict[str, Any]
    case_id: str


def payments_officer(tokens: Tokens, org: str = "DE", subject: str = "treasurer") -> dict[str, str]:
    """Headers of a partner's payments officer."""
    return payments_api.officer(tokens, org, subject=f"{org}:{subject}")


async def prepare_partner(system: System, tokens: Tokens, org: str = "DE") -> None:
    """The partner installs the shipped default policy; the programme loads a sanctions list."""
    eligibility = system.harness("eligibility")
    await eligibility_api.install_default_policy(eligibility, tokens, org)
    await eligibility_api.load_list(eligibility, tokens, eligibility_api.UNRELATED_PERSON)


async def register_family(system: System, tokens: Tokens, org: str = "DE", document: str = MAIN_DOCUMENT) -> list[str]:
    """Register a conscript deserter with verified service and his child; returns both ids."""
    eligibility = system.harness("eligibility")
    main = await eligibility_api.register(
        eligibility,
        tokens,
        org,
        documents=[{"type": "passport", "issuing_country": "RU", "number": document}],
        contacts=[MAIN_CONTACT],
    )
    child = await eligibility_api.register(
        eligibility,
        tokens,
        org,
        category="family_member",
        main_applicant_id=main["id"],
        names=[CHILD_NAME],
        documents=[],
        birth_date=CHILD_BIRTH_DATE,
        contacts=[CHILD_CONTACT],
    )
    return [str(main["id"]), str(child["id"])]


async def assess_and_approve(system: System, tokens: Tokens, applicant_id: str, org: str = "DE") -> dict[str, Any]:
    """Assess an applicant and collect as many distinct approvals as the assessment requires."""
    eligibility = system.harness("eligibility")
    assessed = await eligibility_api.assess(eligibility, tokens, applicant_id, org)
    assert assessed.status_code == 201, assessed.text
    assessment: dict[str, Any] = assessed.json()
    for n in range(assessment["required_approvers"]):
        approved = await eligibility_api.approve(eligibility, tokens, assessment["id"], f"approver-{n + 1}", org)
        assert approved.status_code == 200, approved.text
        assessment = approved.json()
    assert assessment["status"] == "approved"
    return assessment


async def case_of(system: System, tokens: Tokens, applicant_id: str, org: str = "DE") -> dict[str, Any]:
    """The partner's one asylum case for an applicant."""
    listed = await system.clients["asylum"].get(
        "/v1/cases", params={"applicant_id": applicant_id}, headers=asylum_api.officer(tokens, org)
    )
    assert listed.status_code == 200, listed.text
    (case,) = listed.json()["items"]
    found: dict[str, Any] = case
    return found


async def approve_deserter(system: System, tokens: Tokens, org: str = "DE") -> Approved:
    """Register, assess and approve a deserter with his child, then let the events travel."""
    await prepare_partner(system, tokens, org)
    applicant_id, dependant_id = await register_family(system, tokens, org)
    assessment = await assess_and_approve(system, tokens, applicant_id, org)
    await system.deliver_events()
    case = await case_of(system, tokens, applicant_id, org)
    return Approved(applicant_id, dependant_id, assessment, str(case["id"]))


async def obligations_by_trigger(system: System, tokens: Tokens, applicant_id: str) -> dict[str, dict[str, Any]]:
    """The applicant's obligations in payments, keyed by what releases them."""
    payments = system.harness("payments")
    listed = await payments_api.obligations_of(payments, payments_officer(tokens), applicant_id)
    return {o["trigger"]: o for o in listed}


async def fund_programme(system: System, tokens: Tokens, applicant_id: str) -> dict[str, Any]:
    """The partner funds its programme and records the beneficiary's bank account; returns the funding account."""
    payments = system.harness("payments")
    headers = payments_officer(tokens)
    funding = await payments_api.open_funding(payments, headers, "USD", CONTRIBUTION_MINOR)
    await payments_api.register_bank_account(payments, headers, applicant_id)
    return funding


@dataclass(frozen=True)
class Paid:
    """A payout as its creation answered, and as its execution answered."""

    created: dict[str, Any]
    executed: dict[str, Any]


async def pay(system: System, tokens: Tokens, obligation_id: str, funding_id: str, key: str) -> Paid:
    """Create a payout under an idempotency key, approve it as often as required by others, execute it."""
    payments = system.harness("payments")
    headers = payments_officer(tokens)
    created = await payments_api.create_payout(payments, headers, obligation_id, funding_id, key=key)
    assert created.status_code == 201, created.text
    payout: dict[str, Any] = created.json()
    for n in range(payout["required_approvals"]):
        approved = await payments.client.post(
            f"/v1/payouts/{payout['id']}/approvals", headers=payments_officer(tokens, subject=f"checker-{n + 1}")
        )
        assert approved.status_code == 200, approved.text
    executed = await payments_api.execute(payments, headers, payout["id"], key=f"{key}:execute")
    assert executed.status_code == 200, executed.text
    return Paid(payout, executed.json())


async def record_arrival(system: System, tokens: Tokens, applicant_id: str, org: str = "DE") -> None:
    """The partner records in eligibility that the applicant's arrival was verified (events not yet delivered)."""
    recorded = await system.clients["eligibility"].patch(
        f"/v1/applicants/{applicant_id}/evidence",
        json={"arrived_in_partner_territory": True},
        headers=eligibility_api.as_officer(tokens, org),
    )
    assert recorded.status_code == 200, recorded.text


async def release_arrival(system: System, tokens: Tokens, applicant_id: str) -> list[dict[str, Any]]:
    """The partner records the applicant's verified arrival in eligibility; returns what its event released."""
    await record_arrival(system, tokens, applicant_id)
    await system.deliver_events()
    obligations = await obligations_by_trigger(system, tokens, applicant_id)
    arrival = obligations.get("verified_arrival")
    return [arrival] if arrival is not None and arrival["status"] == "due" else []


async def grant_asylum(system: System, tokens: Tokens, case_id: str, org: str = "DE") -> dict[str, Any]:
    """Move the case from registered to granted through the asylum API, then let the events travel."""
    moved = await asylum_api.move(system.harness("asylum"), tokens, case_id, *asylum_api.ROAD_TO_GRANT, org=org)
    assert moved.status_code == 200, moved.text
    await system.deliver_events()
    case: dict[str, Any] = moved.json()
    return case


@dataclass(frozen=True)
class Journey:
    """A whole journey, from approval to both tranches paid."""

    approved: Approved
    funding_id: str
    arrival_payout: dict[str, Any]
    granted_payout: dict[str, Any]


async def run_journey(system: System, tokens: Tokens) -> Journey:
    """Run the main journey for partner DE, from registration to both tranches paid."""
    approved = await approve_deserter(system, tokens)
    funding = await fund_programme(system, tokens, approved.applicant_id)
    await release_arrival(system, tokens, approved.applicant_id)
    obligations = await obligations_by_trigger(system, tokens, approved.applicant_id)
    arrival = await pay(system, tokens, obligations["verified_arrival"]["id"], funding["id"], "pay-arrival")
    await grant_asylum(system, tokens, approved.case_id)
    granted = await pay(system, tokens, obligations["asylum_granted"]["id"], funding["id"], "pay-granted")
    return Journey(approved, str(funding["id"]), arrival.executed, granted.executed)


async def publish_testimony(system: System, tokens: Tokens, applicant_id: str, org: str = "DE") -> dict[str, Any]:
    """Submit, consent to, redact, review and publish a testimony of the applicant; returns the steps' answers."""
    testimony = system.harness("testimony")
    body = {
        "applicant_id": applicant_id,
        "language": "en",
        "text": testimony_api.ORIGINAL_TEXT,
        "family_member_refs": ["sister-1"],
    }
    submitted = await testimony.client.post("/v1/testimonies", json=body, headers=testimony_api.officer(tokens, org))
    assert submitted.status_code == 201, submitted.text
    testimony_id = submitted.json()["id"]
    consent = await testimony_api.give_consent(testimony, tokens, testimony_id, org=org)
    derivative = await testimony_api.redact(testimony, tokens, testimony_id, org)
    await testimony_api.review_twice(testimony, tokens, testimony_id, derivative, org)
    published = await testimony_api.publish(testimony, tokens, testimony_id, derivative["id"], org)
    assert published.status_code == 201, published.text
    public = await testimony.client.get(f"/public/testimonies/{published.json()['id']}")
    assert public.status_code == 200
    return {"testimony_id": testimony_id, "consent": consent, "publication": published.json()}


async def withdraw_testimony(system: System, published: dict[str, Any]) -> None:
    """The applicant withdraws the consent with their token; the publication is gone before the call returns."""
    testimony = system.clients["testimony"]
    withdrawn = await testimony.post(
        "/public/consent/withdrawals", json={"token": published["consent"]["withdrawal_token"]}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (await testimony.get(f"/public/testimonies/{published['publication']['id']}")).status_code == 410
    await system.deliver_events()


def bank_statement(debits: list[tuple[str, int]]) -> bytes:
    """A camt.053.001.08 statement (the default profile's version) booking one debit per (end-to-end id, US cents)."""
    return payments_api.camt053([(e2e, f"{minor // 100}.{minor % 100:02d}", "DBIT") for e2e, minor in debits])


async def settle(system: System, tokens: Tokens, funding_id: str, payouts: list[dict[str, Any]]) -> dict[str, Any]:
    """Send the executed payouts to the bank in one file, then import the bank's statement booking them all."""
    payments = system.clients["payments"]
    headers = payments_officer(tokens)
    bank_file = await payments.post(
        "/v1/bank-files", json={"funding_account_id": funding_id, "execution_date": "2026-11-27"}, headers=headers
    )
    assert bank_file.status_code == 200, bank_file.text
    assert all(p["end_to_end_id"].encode() in bank_file.content for p in payouts)
    statement = bank_statement([(p["end_to_end_id"], p["amount_minor"]) for p in payouts])
    imported = await payments.post(
        "/v1/bank-statements", content=statement, headers={**headers, "Content-Type": "application/xml"}
    )
    assert imported.status_code == 200, imported.text
    result: dict[str, Any] = imported.json()
    return result
