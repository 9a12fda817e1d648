"""The other people of the demo: a listed senior official, a diplomat, an engineer; and an NGO reading a case."""

from __future__ import annotations

from carrots.demo.actions import assess_and_approve, obligations, register
from carrots.demo.harness import Demo, check, expect, say, step, wait_for


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
