"""Scoring one applicant against one list entry, with the reasons a reviewer can read.

The score starts from how alike the names are, then weighs the birth date, identity documents and nationality.
Three rules decide what a hit may be:

- A full birth date that contradicts every full birth date of the entry excludes it (unless a document number
  matches): the hit is returned marked `excluded`, with the reason, and never blocks.
- Without a birth date to compare (the applicant's is unknown, or the list gives none) a name is never a
  confident hit, but a listed name is always at least a review hit; within the review band its score falls
  with the number of people in Russia estimated to bear that name.
- A single name part given alone is a hit with a birth date that agrees, or without one when few people bear
  it, and is confident only when the estimated namesakes sharing it and the birth date are very few. Names
  that agree in some parts and differ in others (another given name or patronymic) are a review hit only when
  the agreeing parts and the birth date are rare together.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rigour.text import is_levenshtein_plausible, jaro_winkler

from services.eligibility.screening.engine.dates import DateAgreement, compare_birth_dates
from services.eligibility.screening.engine.model import BirthDate, ListedName, ListEntry, ListSource, SubjectDocument
from services.eligibility.screening.engine.name_frequency import expected_namesakes
from services.eligibility.screening.engine.names import AnalysedName, NameToken

CONFIDENT_THRESHOLD = 0.85
REVIEW_THRESHOLD = 0.5

# Similar spellings below this are different names, not typos or transliteration drift.
_MIN_SPELLING_SIMILARITY = 0.88
_MIN_VOWEL_DRIFT_SIMILARITY = 0.85
_VOWEL_DRIFT_MIN_LENGTH = 6
_MAX_LENGTH_GAP = 2
# Name parts left over on both sides disagree (two different given names); left over on one side only, the
# other side simply did not give that part.
_CONFLICTING_TOKEN_WEIGHT = 0.5
_MISSING_TOKEN_WEIGHT = 0.25
# A patronymic present on one side only is normal (forms often omit it) and costs little.
_MISSING_PATRONYMIC_WEIGHT = 0.1
# Two different patronymics are evidence of two different people.
_CONFLICTING_PATRONYMIC_WEIGHT = 0.5
# Lists mark some aliases as weak (low quality); a hit on one is worth less.
_WEAK_ALIAS_FACTOR = 0.9
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

_SOURCE_LABELS = {
    ListSource.OFAC_SDN: "OFAC SDN",
    ListSource.EU_FSF: "EU financial sanctions",
    ListSource.UN_SC: "UN Security Council consolidated",
}


@dataclass(frozen=True, slots=True)
class TokenMatch:
    """Two tokens taken as the same part of a name, how sure that is, and why."""

    subject: NameToken
    listed: NameToken
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class NameComparison:
    """The alignment of two names token by token, and the name score it gives."""

    score: float
    matches: tuple[TokenMatch, ...]
    unmatched_subject: tuple[NameToken, ...]
    unmatched_listed: tuple[NameToken, ...]

    @property
    def conflicting(self) -> bool:
        """Whether both names keep a part the other lacks: two different given, family names or patronymics."""
        subject_core = any(not t.patronymic for t in self.unmatched_subject)
        listed_core = any(not t.patronymic for t in self.unmatched_listed)
        subject_patronymic = any(t.patronymic for t in self.unmatched_subject)
        listed_patronymic = any(t.patronymic for t in self.unmatched_listed)
        return (subject_core and listed_core) or (subject_patronymic and listed_patronymic)


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


@dataclass(frozen=True, slots=True)
class ScreeningHit:
    """A list entry that may designate the applicant: its score, whether it is confident or excluded, and why.

    An `excluded` hit is a namesake whose full birth date contradicts the list's: it is kept for the record
    and never blocks anything.
    """

    entry: ListEntry
    score: float
    confident: bool
    subject_name: str
    listed_name: str
    explanation: str
    excluded: bool = False


def document_class(kind: str) -> str:
    """Reduce a document type as written (`Passport`, `internal_passport`, `National ID No.`) to a comparable class."""
    text = kind.lower().replace("_", " ")
    if any(word in text for word in ("internal", "national", "identity", "id card", "identification")):
        return "national_id"
    if "passport" in text:
        return "passport"
    return " ".join(text.split())


def _similarity(left: str, right: str) -> float:
    """Jaro-Winkler similarity of two skeletons, 0 when their edit distance is implausible for one name."""
    length_gap = abs(len(left) - len(right))
    # `Orlov` and `Orlova` are the male and female forms of a name: two people, not a misspelling.
    if length_gap > _MAX_LENGTH_GAP or (length_gap == 1 and (left + "a" == right or right + "a" == left)):
        return 0.0
    similarity = jaro_winkler(left, right)
    # Longer spellings that differ only in inner vowels (`Valoko` for `Валёко`, Polish ё after л) get a little
    # more room; short names that do (`Elena`, `Alena`) are different names.
    same_consonants = (
        min(len(left), len(right)) >= _VOWEL_DRIFT_MIN_LENGTH
        and left[0] == right[0]
        and _consonants(left) == _consonants(right)
    )
    threshold = _MIN_VOWEL_DRIFT_SIMILARITY if same_consonants else _MIN_SPELLING_SIMILARITY
    if similarity < threshold or not is_levenshtein_plausible(left, right):
        return 0.0
    return similarity


def _consonants(skeleton: str) -> str:
    return "".join(ch for ch in skeleton if ch not in "aeiou")


@lru_cache(maxsize=200_000)
def compare_tokens(subject: NameToken, listed: NameToken) -> tuple[float, str]:
    """Score how likely two name tokens are the same name, with the reason in words."""
    if subject.form == listed.form:
        return 1.0, "identical"
    if subject.skeletons & listed.skeletons:
        return 1.0, "the same name in another transliteration"
    if subject.looks_patronymic != listed.looks_patronymic:
        # A patronymic is not a misspelt given or family name.
        return 0.0, ""
    best = max((_similarity(left, right) for left in subject.skeletons for right in listed.skeletons), default=0.0)
    if best:
        return best, f"similar spelling ({best:.2f})"
    return 0.0, ""


def compare_names(subject: AnalysedName, listed: AnalysedName) -> NameComparison:
    """Align two names token by token, best pairs first, in any order, and score the alignment between 0 and 1."""
    candidates: list[tuple[float, int, int, str]] = []
    for i, left in enumerate(subject.tokens):
        for j, right in enumerate(listed.tokens):
            score, reason = compare_tokens(left, right)
            if score > 0.0:
                candidates.append((score, i, j, reason))
    candidates.sort(key=lambda candidate: candidate[0], reverse=True)
    used_left: set[int] = set()
    used_right: set[int] = set()
    matches: list[TokenMatch] = []
    for score, i, j, reason in candidates:
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        matches.append(TokenMatch(subject.tokens[i], listed.tokens[j], score, reason))
    unmatched_subject = tuple(t for i, t in enumerate(subject.tokens) if i not in used_left)
    unmatched_listed = tuple(t for j, t in enumerate(listed.tokens) if j not in used_right)
    if not matches:
        return NameComparison(0.0, (), unmatched_subject, unmatched_listed)
    denominator = len(matches) + _unmatched_weight(unmatched_subject, unmatched_listed)
    score = sum(match.score for match in matches) / denominator
    return NameComparison(score, tuple(matches), unmatched_subject, unmatched_listed)


def _unmatched_weight(subject: tuple[NameToken, ...], listed: tuple[NameToken, ...]) -> float:
    subject_core = sum(1 for token in subject if not token.patronymic)
    listed_core = sum(1 for token in listed if not token.patronymic)
    core_weight = _CONFLICTING_TOKEN_WEIGHT if subject_core and listed_core else _MISSING_TOKEN_WEIGHT
    subject_patronymics = len(subject) - subject_core
    listed_patronymics = len(listed) - listed_core
    patronymic_weight = (
        _CONFLICTING_PATRONYMIC_WEIGHT if subject_patronymics and listed_patronymics else _MISSING_PATRONYMIC_WEIGHT
    )
    return (subject_core + listed_core) * core_weight + (subject_patronymics + listed_patronymics) * patronymic_weight


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


def score_entry(
    subject_names: Sequence[AnalysedName],
    evidence: SubjectEvidence,
    entry: ListEntry,
    listed_names: Sequence[tuple[ListedName, AnalysedName]],
    listed_documents: Sequence[IndexedDocument] = (),
    *,
    explain_from: float = 0.0,
) -> ScreeningHit:
    """Score an applicant's names, birth date, documents and citizenship against one list entry.

    The explanation is written only for scores from `explain_from` on; below it the hit is discarded anyway.
    """
    best: tuple[float, AnalysedName, ListedName, NameComparison] | None = None
    for subject in subject_names:
        for listed, analysed in listed_names:
            comparison = compare_names(subject, analysed)
            weighted = comparison.score * (_WEAK_ALIAS_FACTOR if listed.is_weak else 1.0)
            if best is None or weighted > best[0]:
                best = (weighted, subject, listed, comparison)
    if best is None:
        return ScreeningHit(entry, 0.0, False, "", "", "no comparable names")
    name_score, subject, listed, comparison = best
    score, confident, excluded, date, reasons = judge(comparison, name_score, evidence, entry, listed_documents)
    if score < explain_from:
        return ScreeningHit(entry, score, confident, subject.original, listed.full_name, "", excluded)
    explanation = explain_hit(
        entry, subject, listed, comparison, name_score, date.reason, reasons, score, confident, excluded
    )
    return ScreeningHit(entry, score, confident, subject.original, listed.full_name, explanation, excluded)


def explain_hit(
    entry: ListEntry,
    subject: AnalysedName,
    listed: ListedName,
    comparison: NameComparison,
    name_score: float,
    date_reason: str,
    reasons: Sequence[str],
    score: float,
    confident: bool,
    excluded: bool = False,
) -> str:
    """Write the reasons for a hit as sentences a reviewer can check against the list."""
    programmes = f", programme {', '.join(entry.programmes)}" if entry.programmes else ""
    kind = "weak alias" if listed.is_weak else "alias" if listed.is_alias else "name"
    lines = [
        f"{_SOURCE_LABELS[entry.source]} entry {entry.entry_id} (list issue {entry.list_version}{programmes}).",
        f"The applicant's name '{subject.original}' was compared with the listed {kind} '{listed.full_name}'.",
    ]
    lines.extend(f"'{m.subject.form}' matches '{m.listed.form}': {m.reason}." for m in comparison.matches)
    lines.extend(_describe_unmatched(comparison))
    lines.extend(f"{reason[0].upper()}{reason[1:]}." for reason in reasons)
    if excluded:
        verdict = "excluded as a namesake, not blocking"
    else:
        verdict = "a confident hit" if confident else "a possible hit for review"
    lines.append(f"Name score {name_score:.2f}; {date_reason}; overall score {score:.2f}, {verdict}.")
    return " ".join(lines)


def _describe_unmatched(comparison: NameComparison) -> list[str]:
    listed_patronymics = [t.form for t in comparison.unmatched_listed if t.patronymic]
    subject_patronymics = [t.form for t in comparison.unmatched_subject if t.patronymic]
    lines = [
        f"The listed name part '{t.form}' has no counterpart in the applicant's name."
        for t in comparison.unmatched_listed
        if not t.patronymic
    ]
    lines.extend(
        f"The applicant's name part '{t.form}' has no counterpart in the listed name."
        for t in comparison.unmatched_subject
        if not t.patronymic
    )
    if listed_patronymics and subject_patronymics:
        lines.append(
            f"The patronymics differ ('{', '.join(subject_patronymics)}' against '{', '.join(listed_patronymics)}'),"
            " which points to different people."
        )
    elif listed_patronymics or subject_patronymics:
        side = "listed name" if listed_patronymics else "applicant's name"
        forms = ", ".join(listed_patronymics or subject_patronymics)
        lines.append(
            f"The patronymic '{forms}' appears only in the {side}; patronymics are often left out, so it weighs little."
        )
    return lines
