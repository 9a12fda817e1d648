"""Plain-language status and next step for each case state, in English and, from the catalogue, Russian.

The English sentences are the message ids of the asylum catalogue (`services/asylum/translations/`), which
the status lookup API and the status page share, so both always say the same thing. A residence case speaks
of a residence permit application where an asylum case speaks of asylum, and a case without a citizenship
path is never pointed toward citizenship.
"""

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from services.asylum.cases.states import CaseState
from services.asylum.cases.tracks import Track
from shared.pages.i18n import N_, load_translations

CATALOGUE = Path(__file__).resolve().parent.parent / "translations"


class Language(StrEnum):
    """Languages the applicant can read their status in."""

    EN = "en"
    RU = "ru"


@dataclass(frozen=True, slots=True)
class StatusWording:
    """What a state means for the applicant, and what happens next."""

    status: str
    next_step: str


_S = CaseState

_EN: dict[CaseState, StatusWording] = {
    _S.REGISTERED: StatusWording(
        N_("Your case has been opened."),
        N_("A caseworker will help you lodge your asylum application."),
    ),
    _S.LODGED: StatusWording(
        N_("Your asylum application has been received and is being reviewed."),
        N_("You will be invited to an interview. Keep your contact details up to date."),
    ),
    _S.INTERVIEW_SCHEDULED: StatusWording(
        N_("Your interview has been scheduled."),
        N_("Attend the interview at the time you were given. Bring your documents if you have them."),
    ),
    _S.INTERVIEWED: StatusWording(
        N_("Your interview has taken place."),
        N_("Wait for the decision. You do not need to do anything now."),
    ),
    _S.GRANTED: StatusWording(
        N_("You have been granted asylum."),
        N_("Your residence permit will be prepared. You will be told when to collect it."),
    ),
    _S.REFUSED: StatusWording(
        N_("Your application was refused."),
        N_("You can appeal. Ask your caseworker or an NGO you trust to help you lodge an appeal in time."),
    ),
    _S.APPEAL_LODGED: StatusWording(
        N_("Your appeal has been received."),
        N_("Wait for the appeal decision. You will be told if a hearing is needed."),
    ),
    _S.APPEAL_GRANTED: StatusWording(
        N_("Your appeal succeeded: you have been granted asylum."),
        N_("Your residence permit will be prepared. You will be told when to collect it."),
    ),
    _S.APPEAL_REFUSED: StatusWording(
        N_("Your appeal was refused."),
        N_("Ask your caseworker or an NGO you trust about the options that remain."),
    ),
    _S.RESIDENCE_PERMIT: StatusWording(
        N_("You hold a residence permit."),
        N_("Keep your permit valid. You can apply for permanent residence once you are eligible."),
    ),
    _S.PERMANENT_RESIDENCE: StatusWording(
        N_("You hold permanent residence."),
        N_("You can apply for citizenship once you meet the conditions."),
    ),
    _S.CITIZENSHIP_APPLIED: StatusWording(
        N_("Your citizenship application has been received."),
        N_("Wait for the decision on your citizenship application."),
    ),
    _S.NATURALISED: StatusWording(
        N_("You have become a citizen."),
        N_("Nothing more is needed on this case."),
    ),
    _S.WITHDRAWN: StatusWording(
        N_("This case has been closed at your request."),
        N_("If this is a mistake, contact your caseworker."),
    ),
}

# Where a residence case reads differently: it applies for a residence permit, not for asylum.
_RESIDENCE: dict[CaseState, StatusWording] = {
    _S.REGISTERED: StatusWording(
        N_("Your case has been opened."),
        N_("A caseworker will help you lodge your residence permit application."),
    ),
    _S.LODGED: StatusWording(
        N_("Your residence permit application has been received and is being reviewed."),
        N_("You may be invited to an interview. Keep your contact details up to date."),
    ),
    _S.GRANTED: StatusWording(
        N_("Your residence permit application has been approved."),
        N_("Your residence permit will be prepared. You will be told when to collect it."),
    ),
    _S.REFUSED: StatusWording(
        N_("Your residence permit application was refused."),
        N_("You can appeal. Ask your caseworker or an NGO you trust to help you lodge an appeal in time."),
    ),
    _S.APPEAL_GRANTED: StatusWording(
        N_("Your appeal succeeded: your residence permit application has been approved."),
        N_("Your residence permit will be prepared. You will be told when to collect it."),
    ),
}

# Where a case without a citizenship path reads differently: it never points toward citizenship.
_NO_CITIZENSHIP: dict[CaseState, StatusWording] = {
    _S.PERMANENT_RESIDENCE: StatusWording(
        N_("You hold permanent residence."),
        N_("Keep your residence documents valid. Nothing more is needed on this case for now."),
    ),
}

# Under duress the answer must look ordinary and reveal no progress: an application
# under review is the most common, least telling status there is.  Only states the
# case has really been in are shown, so the answer never invents a step either.
_DURESS_CHOICES: tuple[CaseState, ...] = (CaseState.LODGED, CaseState.REGISTERED)


def describe_status(
    state: CaseState, language: Language = Language.EN, *, track: Track, citizenship_path: bool
) -> StatusWording:
    """Return the plain-language status and next step for `state` on a case of this track and path, in `language`."""
    if not citizenship_path and state in _NO_CITIZENSHIP:
        wording = _NO_CITIZENSHIP[state]
    elif track is Track.RESIDENCE and state in _RESIDENCE:
        wording = _RESIDENCE[state]
    else:
        wording = _EN[state]
    translations = load_translations((CATALOGUE,), language.value)
    return StatusWording(translations.gettext(wording.status), translations.gettext(wording.next_step))


def choose_duress_state(reached: Collection[CaseState]) -> CaseState:
    """Return the ordinary-looking state to show under duress, among the states the case has `reached`."""
    return next((state for state in _DURESS_CHOICES if state in reached), CaseState.REGISTERED)
