"""Scoring one applicant against one list entry, with the reasons a reviewer can read."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rigour.text import is_levenshtein_plausible, jaro_winkler

from services.eligibility.screening.dates import compare_birth_dates
from services.eligibility.screening.model import ListedName, ListEntry, ListSource
from services.eligibility.screening.names import AnalysedName, NameToken

CONFIDENT_THRESHOLD = 0.85
REVIEW_THRESHOLD = 0.5

# Similar spellings below this are different names, not typos or transliteration drift.
_MIN_SPELLING_SIMILARITY = 0.85
# An unmatched token costs half a token on the denominator, whichever side it is on.
_UNMATCHED_TOKEN_WEIGHT = 0.5
# A patronymic present on one side only is normal (forms often omit it) and costs little.
_MISSING_PATRONYMIC_WEIGHT = 0.1
# Two different patronymics are evidence of two different people.
_CONFLICTING_PATRONYMIC_WEIGHT = 0.5
# Lists mark some aliases as weak (low quality); a hit on one is worth less.
_WEAK_ALIAS_FACTOR = 0.9

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


@dataclass(frozen=True, slots=True)
class ScreeningHit:
    """A list entry that may designate the applicant: its score, whether it is confident, and why."""

    entry: ListEntry
    score: float
    confident: bool
    subject_name: str
    listed_name: str
    explanation: str


def compare_tokens(subject: NameToken, listed: NameToken) -> tuple[float, str]:
    """Score how likely two name tokens are the same name, with the reason in words."""
    if subject.form == listed.form:
        return 1.0, "identical"
    if subject.skeletons & listed.skeletons:
        return 1.0, "the same name in another transliteration"
    best = 0.0
    for left in subject.skeletons:
        for right in listed.skeletons:
            if is_levenshtein_plausible(left, right):
                best = max(best, jaro_winkler(left, right))
    if best >= _MIN_SPELLING_SIMILARITY:
        return best, f"similar spelling ({best:.2f})"
    return 0.0, ""


def compare_names(subject: AnalysedName, listed: AnalysedName) -> NameComparison:
    """Align two names token by token, best pairs first, and score the alignment between 0 and 1."""
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
    core = sum(1 for token in subject + listed if not token.patronymic)
    subject_patronymics = sum(1 for token in subject if token.patronymic)
    listed_patronymics = sum(1 for token in listed if token.patronymic)
    patronymic_weight = (
        _CONFLICTING_PATRONYMIC_WEIGHT if subject_patronymics and listed_patronymics else _MISSING_PATRONYMIC_WEIGHT
    )
    return core * _UNMATCHED_TOKEN_WEIGHT + (subject_patronymics + listed_patronymics) * patronymic_weight


def score_entry(
    subject_names: Sequence[AnalysedName],
    born: date | None,
    entry: ListEntry,
    listed_names: Sequence[tuple[ListedName, AnalysedName]],
) -> ScreeningHit:
    """Score an applicant's names and birth date against one entry's names and birth dates."""
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
    agreement = compare_birth_dates(born, entry.birth_dates)
    score = round(name_score * agreement.factor, 4)
    confident = score >= CONFIDENT_THRESHOLD
    explanation = explain_hit(
        entry,
        subject,
        listed,
        comparison,
        name_score,
        agreement.reason,
        score,
        confident,
    )
    return ScreeningHit(entry, score, confident, subject.original, listed.full_name, explanation)


def explain_hit(
    entry: ListEntry,
    subject: AnalysedName,
    listed: ListedName,
    comparison: NameComparison,
    name_score: float,
    date_reason: str,
    score: float,
    confident: bool,
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
