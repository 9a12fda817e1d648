"""A deserter's journey: registered with his daughter, approved, his bounty released by events and paid."""

from __future__ import annotations

from carrots.demo.actions import assess_and_approve, obligations, pay, register
from carrots.demo.harness import Demo, check, expect, say, step, usd, wait_for
from carrots.demo.partner import CONTRIBUTION_MINOR

ROAD_TO_GRANT = ("lodged", "interview_scheduled", "interviewed", "granted")
# The shipped default policy's bounty for a deserter with verified service, in US cents, and its two tranches.
BOUNTY_MINOR = 10_000_000
ARRIVAL_MINOR = 2_500_000
GRANTED_MINOR = 7_500_000
# Made-up account numbers of the example beneficiaries (valid check digits, no real account).
BENEFICIARY_IBAN = "GB82WEST12345698765432"


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
        say(f"{usd(ARRIVAL_MINOR)} waits for his verified arrival, {usd(GRANTED_MINOR)} for asylum")
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
        say(f"the whole bounty is paid; the funding account holds {usd(balance['balance_minor'])}")
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
