"""The deserter's testimony: consent, redaction, review and publication, then withdrawal by token alone."""

from __future__ import annotations

from carrots.demo.harness import TESTIMONY_SCOPES, Demo, check, expect, say, step

# Made up for the demo: a family member's name the redactor must hide before publication.
SISTER = "Sestrina"


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
