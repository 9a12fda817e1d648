"""Plain-language status and next step for each case state, in English and Russian."""
# ruff: noqa: RUF001  (Russian text: Cyrillic letters that look Latin are meant)

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from services.asylum.cases.states import CaseState


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
        "Your case has been opened.",
        "A caseworker will help you lodge your asylum application.",
    ),
    _S.LODGED: StatusWording(
        "Your asylum application has been received and is being reviewed.",
        "You will be invited to an interview. Keep your contact details up to date.",
    ),
    _S.INTERVIEW_SCHEDULED: StatusWording(
        "Your interview has been scheduled.",
        "Attend the interview at the time you were given. Bring your documents if you have them.",
    ),
    _S.INTERVIEWED: StatusWording(
        "Your interview has taken place.",
        "Wait for the decision. You do not need to do anything now.",
    ),
    _S.GRANTED: StatusWording(
        "You have been granted asylum.",
        "Your residence permit will be prepared. You will be told when to collect it.",
    ),
    _S.REFUSED: StatusWording(
        "Your application was refused.",
        "You can appeal. Ask your caseworker or an NGO you trust to help you lodge an appeal in time.",
    ),
    _S.APPEAL_LODGED: StatusWording(
        "Your appeal has been received.",
        "Wait for the appeal decision. You will be told if a hearing is needed.",
    ),
    _S.APPEAL_GRANTED: StatusWording(
        "Your appeal succeeded: you have been granted asylum.",
        "Your residence permit will be prepared. You will be told when to collect it.",
    ),
    _S.APPEAL_REFUSED: StatusWording(
        "Your appeal was refused.",
        "Ask your caseworker or an NGO you trust about the options that remain.",
    ),
    _S.RESIDENCE_PERMIT: StatusWording(
        "You hold a residence permit.",
        "Keep your permit valid. You can apply for permanent residence once you are eligible.",
    ),
    _S.PERMANENT_RESIDENCE: StatusWording(
        "You hold permanent residence.",
        "You can apply for citizenship once you meet the conditions.",
    ),
    _S.CITIZENSHIP_APPLIED: StatusWording(
        "Your citizenship application has been received.",
        "Wait for the decision on your citizenship application.",
    ),
    _S.NATURALISED: StatusWording(
        "You have become a citizen.",
        "Nothing more is needed on this case.",
    ),
    _S.WITHDRAWN: StatusWording(
        "This case has been closed at your request.",
        "If this is a mistake, contact your caseworker.",
    ),
}

_RU: dict[CaseState, StatusWording] = {
    _S.REGISTERED: StatusWording(
        "Ваше дело открыто.",
        "Сотрудник поможет вам подать заявление о предоставлении убежища.",
    ),
    _S.LODGED: StatusWording(
        "Ваше заявление о предоставлении убежища получено и рассматривается.",
        "Вас пригласят на собеседование. Сообщайте, если ваши контактные данные изменятся.",
    ),
    _S.INTERVIEW_SCHEDULED: StatusWording(
        "Вам назначено собеседование.",
        "Приходите на собеседование в назначенное время. Возьмите документы, если они у вас есть.",
    ),
    _S.INTERVIEWED: StatusWording(
        "Собеседование состоялось.",
        "Ожидайте решения. Сейчас от вас ничего не требуется.",
    ),
    _S.GRANTED: StatusWording(
        "Вам предоставлено убежище.",
        "Для вас подготовят вид на жительство. Вам сообщат, когда его можно получить.",
    ),
    _S.REFUSED: StatusWording(
        "В предоставлении убежища отказано.",
        "Вы можете обжаловать решение. Попросите сотрудника или НКО, которой вы доверяете, "
        "помочь подать жалобу вовремя.",
    ),
    _S.APPEAL_LODGED: StatusWording(
        "Ваша жалоба получена.",
        "Ожидайте решения по жалобе. Вам сообщат, если понадобится слушание.",
    ),
    _S.APPEAL_GRANTED: StatusWording(
        "Жалоба удовлетворена: вам предоставлено убежище.",
        "Для вас подготовят вид на жительство. Вам сообщат, когда его можно получить.",
    ),
    _S.APPEAL_REFUSED: StatusWording(
        "Ваша жалоба отклонена.",
        "Спросите сотрудника или НКО, которой вы доверяете, какие возможности остаются.",
    ),
    _S.RESIDENCE_PERMIT: StatusWording(
        "У вас есть вид на жительство.",
        "Следите за сроком его действия. Когда появится право, вы сможете подать на постоянное проживание.",
    ),
    _S.PERMANENT_RESIDENCE: StatusWording(
        "У вас есть право на постоянное проживание.",
        "Когда вы будете соответствовать условиям, вы сможете подать на гражданство.",
    ),
    _S.CITIZENSHIP_APPLIED: StatusWording(
        "Ваше заявление о гражданстве получено.",
        "Ожидайте решения по заявлению о гражданстве.",
    ),
    _S.NATURALISED: StatusWording(
        "Вы получили гражданство.",
        "По этому делу больше ничего не требуется.",
    ),
    _S.WITHDRAWN: StatusWording(
        "Дело закрыто по вашей просьбе.",
        "Если это ошибка, свяжитесь с сотрудником, ведущим ваше дело.",
    ),
}

_WORDING: dict[Language, dict[CaseState, StatusWording]] = {
    Language.EN: _EN,
    Language.RU: _RU,
}

# Under duress the answer must look ordinary and reveal no progress: an application
# under review is the most common, least telling status there is.  Only states the
# case has really been in are shown, so the answer never invents a step either.
_DURESS_CHOICES: tuple[CaseState, ...] = (CaseState.LODGED, CaseState.REGISTERED)


def describe_status(state: CaseState, language: Language = Language.EN) -> StatusWording:
    """Return the plain-language status and next step for `state`."""
    return _WORDING[language][state]


def choose_duress_state(reached: Collection[CaseState]) -> CaseState:
    """Return the ordinary-looking state to show under duress, among the states the case has `reached`."""
    return next((state for state in _DURESS_CHOICES if state in reached), CaseState.REGISTERED)
