"""Scoring one applicant against one list entry, with the reasons a reviewer can read.

The score starts from how alike the names are (`name_comparison.py`), then weighs the birth date, identity
documents, nationality and how common the name is (`evidence.py`). Three rules decide what a hit may be:

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

from collections.abc import Sequence
from dataclasses import dataclass

from services.eligibility.screening.engine.dates import birth_date_kind
from services.eligibility.screening.engine.evidence import IndexedDocument, SubjectEvidence, documents_match, judge
from services.eligibility.screening.engine.model import ListedName, ListEntry, ListSource
from services.eligibility.screening.engine.name_comparison import NameComparison, compare_names, name_score
from services.eligibility.screening.engine.names import AnalysedName

# Lists mark some aliases as weak (low quality); a hit on one is worth less.
_WEAK_ALIAS_FACTOR = 0.9

_SOURCE_LABELS = {
    ListSource.OFAC_SDN: "OFAC SDN",
    ListSource.EU_FSF: "EU financial sanctions",
    ListSource.UN_SC: "UN Security Council consolidated",
}


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
    best = _best_names(subject_names, listed_names)
    if best is None:
        return ScreeningHit(entry, 0.0, False, "", "", "no comparable names")
    return _judged(evidence, entry, listed_documents, best, explain_from)


def screen_entry(
    subject_names: Sequence[AnalysedName],
    evidence: SubjectEvidence,
    entry: ListEntry,
    listed_names: Sequence[tuple[ListedName, AnalysedName]],
    listed_documents: Sequence[IndexedDocument],
    *,
    min_score: float,
) -> ScreeningHit | None:
    """`score_entry`'s hit when its score reaches `min_score`, None otherwise, skipping the work where it can.

    Most candidates of a screen are namesakes whose full birth date contradicts the list's: their score is
    their name score at most (only a matching document number lifts it), so a name score below `min_score`
    settles them before the names are aligned in full and the evidence is weighed.
    """
    best = _best_names(subject_names, listed_names)
    if best is None:
        hit = ScreeningHit(entry, 0.0, False, "", "", "no comparable names")
    else:
        if (
            round(min(1.0, best[0]), 4) < min_score
            and birth_date_kind(evidence.born, entry.birth_dates) == "contradicts"
            and not documents_match(evidence.documents, listed_documents)
        ):
            return None
        hit = _judged(evidence, entry, listed_documents, best, min_score)
    return hit if hit.score >= min_score else None


_Best = tuple[float, AnalysedName, ListedName, AnalysedName]


def _best_names(
    subject_names: Sequence[AnalysedName], listed_names: Sequence[tuple[ListedName, AnalysedName]]
) -> _Best | None:
    """The pair of names that meet best, weak aliases weighed down; the first of equals."""
    best: _Best | None = None
    for subject in subject_names:
        for listed, analysed in listed_names:
            weighted = name_score(subject, analysed) * (_WEAK_ALIAS_FACTOR if listed.is_weak else 1.0)
            if best is None or weighted > best[0]:
                best = (weighted, subject, listed, analysed)
    return best


def _judged(
    evidence: SubjectEvidence,
    entry: ListEntry,
    listed_documents: Sequence[IndexedDocument],
    best: _Best,
    explain_from: float,
) -> ScreeningHit:
    name_score_, subject, listed, analysed = best
    comparison = compare_names(subject, analysed)
    score, confident, excluded, date, reasons = judge(comparison, name_score_, evidence, entry, listed_documents)
    if score < explain_from:
        return ScreeningHit(entry, score, confident, subject.original, listed.full_name, "", excluded)
    explanation = explain_hit(
        entry, subject, listed, comparison, name_score_, date.reason, reasons, score, confident, excluded
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
