"""Weighing the evidence beyond names: birth date, identity documents, nationality and how common the name is.

`judge` turns the best name score of an applicant against a list entry into the hit's score, whether it may be
confident or is excluded, and the sentences that say why (the rules are listed in `matching.py`).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.eligibility.screening.engine.dates import DateAgreement, compare_birth_dates
from services.eligibility.screening.engine.model import BirthDate, ListEntry, SubjectDocument
from services.eligibility.screening.engine.name_comparison import NameComparison
from services.eligibility.screening.engine.name_frequency import expected_namesakes

CONFIDENT_THRESHOLD = 0.85
REVIEW_THRESHOLD = 0.5

# From this name score on, two names are the same name (a missing patronymic or part aside).
_SAME_NAME = 0.85
# Evidence beyond names.
FACTOR_DOCUMENT_MISMATCH = 0.9
FACTOR_NATIONALITY_DIFFERS = 0.85
_DOCUMENT_MATCH_BOOST = 1.25
_DOCUMENT_MATCH_FLOOR = 0.6
# Estimated people in Russia sharing the evidence: at most this many and a partial date or a lone name part
# may still single the person out (a confident hit).
_CONFIDENT_NAMESAKES = 0.1
# Names that agree in some parts and differ in others are worth a review up to this many namesakes.
_CONFLICT_NAMESAKES = 5.0
# A lone name part without any birth date is worth a review only for names this rare.
_LONE_PART_NAMESAKES_UNDATED = 5_000.0
# The review band runs from the review threshold to just below the confident one.
_BAND_TOP = CONFIDENT_THRESHOLD - 0.001
# Namesakes at which the weight inside the review band reaches its floor (a million people).
_BAND_DECADES = 6.0


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """A listed document as the index keeps it: its kind class, issuing country and number keys."""

    kind: str
    country: str | None
    keys: frozenset[str]


@dataclass(frozen=True, slots=True)
class SubjectEvidence:
    """What the applicant gave besides names: birth date, documents, citizenship."""

    born: BirthDate | None = None
    documents: tuple[SubjectDocument, ...] = ()
    citizenship: str | None = None


def document_class(kind: str) -> str:
    """Reduce a document type as written (`Passport`, `internal_passport`, `National ID No.`) to a comparable class."""
    text = kind.lower().replace("_", " ")
    if any(word in text for word in ("internal", "national", "identity", "id card", "identification")):
        return "national_id"
    if "passport" in text:
        return "passport"
    return " ".join(text.split())


@dataclass
class _Verdict:
    """The score as it is worked out, and the sentences that say why."""

    score: float
    reasons: list[str] = field(default_factory=list)
    confident_allowed: bool = True
    excluded: bool = False


def review_band(namesakes: float) -> float:
    """Place a hit inside the review band: near its top for a rare name, at its floor for a very common one."""
    rarity = min(1.0, max(0.0, 1.0 - math.log10(1.0 + namesakes) / _BAND_DECADES))
    return REVIEW_THRESHOLD + (_BAND_TOP - REVIEW_THRESHOLD) * rarity


def _namesakes_phrase(namesakes: float) -> str:
    if namesakes < 1:
        return "fewer than one person in Russia is estimated to share it"
    return f"about {namesakes:,.0f} people in Russia are estimated to share it"


def documents_match(documents: Sequence[SubjectDocument], listed: Sequence[IndexedDocument]) -> bool:
    """Whether one of the applicant's document numbers is among the entry's listed ones."""
    return any(document.key in item.keys for document in documents for item in listed)


def _documents_agreement(
    documents: Sequence[SubjectDocument], listed: Sequence[IndexedDocument]
) -> tuple[str, str | None]:
    """Whether a document number matches (`match`), a document of the same kind and country differs (`mismatch`)."""
    if not documents or not listed:
        return "none", None
    for document in documents:
        for item in listed:
            if document.key in item.keys:
                return "match", f"the applicant's {document.kind} number matches a document number on the list"
    for document in documents:
        for item in listed:
            if item.kind == document_class(document.kind) and item.country == document.country.upper():
                return "mismatch", (
                    f"the applicant's {document.kind} from {document.country.upper()} has another number than the"
                    " listed one, which weighs a little against the match"
                )
    return "none", None


def _weigh_evidence(
    verdict: _Verdict, comparison: NameComparison, date: DateAgreement, documents: str, namesakes: float
) -> None:
    """Apply the birth-date and name-commonness rules to a verdict whose score is the name score."""
    name_score = verdict.score
    lone_part = len(comparison.matches) == 1
    agreeing = date.kind in {"exact", "swapped", "partial", "approximate"}
    no_hit = REVIEW_THRESHOLD * 0.99
    if date.kind == "contradicts":
        verdict.excluded, verdict.confident_allowed = True, False
        verdict.reasons.append("a contradicting full birth date excludes this namesake; it does not block approval")
        return
    if comparison.conflicting:
        # Some parts agree and others disagree (another given name, family name or patronymic): a lead only when
        # the agreeing parts and the birth date are rare together, and never a confident one.
        verdict.confident_allowed = False
        if date.pins_the_day and namesakes <= _CONFLICT_NAMESAKES:
            verdict.score = max(review_band(namesakes), min(name_score * date.factor, _BAND_TOP))
            verdict.reasons.append(
                f"some name parts differ, but the matching ones and the birth date are rare together:"
                f" {_namesakes_phrase(namesakes)}"
            )
        else:
            verdict.score = min(name_score * date.factor, no_hit)
            verdict.reasons.append(f"some name parts differ and {_namesakes_phrase(namesakes)}: no hit")
        return
    if date.kind == "unknown":
        verdict.confident_allowed = False
        if lone_part:
            if namesakes <= _LONE_PART_NAMESAKES_UNDATED:
                verdict.score = review_band(namesakes)
                verdict.reasons.append(f"only one name part matches; {_namesakes_phrase(namesakes)}, so it is reviewed")
            else:
                verdict.score = min(verdict.score, no_hit)
                verdict.reasons.append(
                    f"only one name part matches and {_namesakes_phrase(namesakes)}: no hit without a birth date"
                )
        elif name_score >= _SAME_NAME:
            verdict.score = review_band(namesakes)
            verdict.reasons.append(
                "without a birth date to compare the listed name is reviewed, never confident;"
                f" {_namesakes_phrase(namesakes)}"
            )
        else:
            verdict.score = min(name_score * date.factor, _BAND_TOP)
        return
    verdict.score = name_score * date.factor
    if lone_part:
        if not agreeing:
            verdict.score = min(verdict.score, no_hit)
            verdict.confident_allowed = False
            verdict.reasons.append("only one name part matches and the birth date does not agree: no hit")
        elif namesakes <= _CONFIDENT_NAMESAKES:
            verdict.score = comparison.matches[0].score * date.factor
            verdict.reasons.append(
                f"the single name part given and the birth date agree; {_namesakes_phrase(namesakes)} with that"
                " birth date"
            )
        else:
            verdict.score = max(min(verdict.score, _BAND_TOP), review_band(namesakes))
            verdict.confident_allowed = False
            verdict.reasons.append(
                f"the single name part given and the birth date agree; {_namesakes_phrase(namesakes)} with that"
                " birth date, so it is reviewed"
            )
    elif not date.pins_the_day and namesakes > _CONFIDENT_NAMESAKES and documents != "match":
        verdict.confident_allowed = False
        verdict.reasons.append(
            f"the birth date agrees only in part and {_namesakes_phrase(namesakes)} with it, so it is not confident"
        )


def judge(
    comparison: NameComparison,
    name_score: float,
    evidence: SubjectEvidence,
    entry: ListEntry,
    listed_documents: Sequence[IndexedDocument],
) -> tuple[float, bool, bool, DateAgreement, list[str]]:
    """Weigh the name score with birth date, documents and nationality: (score, confident, excluded, date, why)."""
    date = compare_birth_dates(evidence.born, entry.birth_dates)
    documents, document_reason = _documents_agreement(evidence.documents, listed_documents)
    shares = [match.listed.share for match in comparison.matches]
    namesakes = expected_namesakes(shares, date.share)
    verdict = _Verdict(score=name_score)
    if documents == "match":
        verdict.score = max(_DOCUMENT_MATCH_FLOOR, min(1.0, name_score * max(date.factor, 1.0) * _DOCUMENT_MATCH_BOOST))
        verdict.reasons.append(f"{document_reason}, which is strong evidence of the same person")
        if date.kind == "contradicts":
            verdict.reasons.append("the birth dates contradict each other, but the document outweighs them")
    else:
        _weigh_evidence(verdict, comparison, date, documents, namesakes)
        if documents == "mismatch" and document_reason:
            verdict.score *= FACTOR_DOCUMENT_MISMATCH
            verdict.reasons.append(document_reason)
    if evidence.citizenship and entry.nationalities:
        citizenship = evidence.citizenship.lower()
        if citizenship in entry.nationalities:
            verdict.reasons.append(f"the listed nationality includes the applicant's citizenship {citizenship.upper()}")
        elif documents != "match":
            floor = REVIEW_THRESHOLD if verdict.score >= REVIEW_THRESHOLD and date.kind == "unknown" else 0.0
            verdict.score = max(floor, verdict.score * FACTOR_NATIONALITY_DIFFERS)
            verdict.reasons.append(
                f"the listed nationality ({', '.join(n.upper() for n in entry.nationalities)}) differs from the"
                f" applicant's citizenship {citizenship.upper()}, which weighs against the match"
            )
    score = round(min(1.0, verdict.score), 4)
    confident = score >= CONFIDENT_THRESHOLD and verdict.confident_allowed and not verdict.excluded
    return score, confident, verdict.excluded, date, verdict.reasons
