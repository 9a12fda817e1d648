"""What the status page says: the lookup's answer in plain words, what the applicant can do, what went wrong.

Messages are catalogue ids (English), translated where the page is rendered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from services.asylum.cases.errors import ApplicantNotRecognised, LookupLockedOut, MalformedCaseReference
from services.asylum.cases.references import ALPHABET, REFERENCE_LENGTH, normalise_reference_text
from services.asylum.cases.states import CaseState
from shared.errors import ProblemError
from shared.pages.i18n import N_

# Longest reference and secret the lookup accepts (the wire schema's limits).
REFERENCE_MAX = 64
SECRET_MAX = 128

_S = CaseState
_STILL_OPEN = {
    _S.REGISTERED,
    _S.LODGED,
    _S.INTERVIEW_SCHEDULED,
    _S.INTERVIEWED,
    _S.APPEAL_LODGED,
    _S.CITIZENSHIP_APPLIED,
}
_PROTECTED = {_S.GRANTED, _S.APPEAL_GRANTED, _S.RESIDENCE_PERMIT, _S.PERMANENT_RESIDENCE, _S.NATURALISED}
_KEEP_IN_TOUCH = N_("Tell your caseworker at once if your address or phone number changes.")
_APPEAL_NOW = N_("An appeal has a deadline. Ask for help with it today, not later.")
_KEEP_DOCUMENTS = N_("Keep the decision and your documents in a safe place, with copies elsewhere.")
_ASK = N_("If anything here is unclear, ask your caseworker or an NGO you trust.")
_CLOSE = N_("When you are done, close this page.")


@dataclass(frozen=True)
class StatusAnswer:
    """The plain answer shown to the applicant."""

    status: str
    next_step: str
    since: date
    advice: tuple[str, ...]


@dataclass(frozen=True)
class FormProblem:
    """Why the form was not answered, and which field to fix (`None` when both could be wrong)."""

    message: str
    field: str | None = None
    wait_minutes: int = 0


def advise(state: CaseState) -> tuple[str, ...]:
    """What the applicant can do now, for the state the answer shows."""
    advice: list[str] = []
    if state in _STILL_OPEN:
        advice.append(_KEEP_IN_TOUCH)
    if state is _S.REFUSED:
        advice.append(_APPEAL_NOW)
    if state in _PROTECTED:
        advice.append(_KEEP_DOCUMENTS)
    return (*advice, _ASK, _CLOSE)


def check_entry(reference: str, secret: str) -> FormProblem | None:
    """What is missing from the form, before anything is looked up."""
    if not reference:
        return FormProblem(N_("Enter your case reference."), "reference")
    if not secret:
        return FormProblem(N_("Enter your secret."), "secret")
    return None


def _reference_mistake(reference: str) -> str:
    compact = normalise_reference_text(reference)
    if len(compact) != REFERENCE_LENGTH:
        return N_(
            "A case reference has 16 letters and digits, like J3N7-BAYN-F1KS-G5P2. Check that none is missing or extra."
        )
    if any(char not in ALPHABET for char in compact):
        return N_("A case reference uses only digits and the letters A to Z without I, L, O and U. Check each one.")
    return N_("The case reference has a typing mistake: one character is wrong or two are swapped. Check it again.")


def explain_refusal(problem: ProblemError, reference: str) -> FormProblem:
    """Turn the lookup's refusal into words for the applicant (unknown reference and wrong secret read alike)."""
    if isinstance(problem, MalformedCaseReference):
        return FormProblem(_reference_mistake(reference), "reference")
    if isinstance(problem, LookupLockedOut):
        seconds = int(problem.headers.get("Retry-After", "60"))
        return FormProblem("", None, max(1, math.ceil(seconds / 60)))
    if isinstance(problem, ApplicantNotRecognised):
        return FormProblem(N_("No case matches this reference and secret. Check both and try again."))
    return FormProblem(N_("Your status could not be shown. Try again later, or ask your caseworker."))
