"""An in-memory index of loaded sanctions lists that screens one applicant in milliseconds."""

from collections import defaultdict
from collections.abc import Iterable

from services.eligibility.screening.errors import NoSanctionsListLoaded, SanctionsListEmpty, SubjectNameMissing
from services.eligibility.screening.matching import REVIEW_THRESHOLD, ScreeningHit, score_entry
from services.eligibility.screening.model import (
    ListedName,
    ListEntry,
    ListSource,
    SanctionsList,
    ScreeningSubject,
    SubjectKind,
)
from services.eligibility.screening.names import AnalysedName, analyse_name, blocking_keys

# Applicants are people; organisations, vessels and aircraft on the lists cannot be them.
_SCREENED_KINDS = frozenset({SubjectKind.PERSON, SubjectKind.UNKNOWN})
# A candidate must share keys on this many tokens (fewer when a name is shorter), so that one common
# given name does not pull in every entry that carries it.
_MIN_SHARED_TOKENS = 2


class ScreeningIndex:
    """Every person on the loaded lists, blocked by the consonant outlines of their name tokens."""

    def __init__(self, lists: Iterable[SanctionsList]) -> None:
        by_source: dict[ListSource, SanctionsList] = {}
        for sanctions_list in lists:
            if not sanctions_list.entries:
                raise SanctionsListEmpty(
                    f"the {sanctions_list.source} list issue {sanctions_list.version} holds no entries"
                )
            # A later issue of the same list replaces the earlier one.
            by_source[sanctions_list.source] = sanctions_list
        if not by_source:
            raise NoSanctionsListLoaded("no sanctions list has been loaded")
        self._versions = {source: item.version for source, item in by_source.items()}
        self._entries: list[ListEntry] = []
        self._names: list[tuple[int, ListedName, AnalysedName]] = []
        # Names with two or more core tokens, and names with fewer, are blocked separately: the first must
        # share two tokens with the subject, which lets the screen skip the subject's most common token.
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._short_postings: dict[str, set[int]] = defaultdict(set)
        for sanctions_list in by_source.values():
            for entry in sanctions_list.entries:
                if entry.kind in _SCREENED_KINDS:
                    self._add_entry(entry)
        if not self._names:
            raise SanctionsListEmpty("the loaded lists hold no person with a comparable name")

    def _add_entry(self, entry: ListEntry) -> None:
        entry_position = len(self._entries)
        self._entries.append(entry)
        for listed in entry.names:
            analysed = analyse_name(listed.full_name)
            if not analysed.tokens:
                continue
            name_position = len(self._names)
            self._names.append((entry_position, listed, analysed))
            postings = self._postings if analysed.core_token_count >= _MIN_SHARED_TOKENS else self._short_postings
            for token in analysed.tokens:
                if not token.patronymic:
                    for key in blocking_keys(token):
                        postings[key].add(name_position)

    @property
    def versions(self) -> dict[ListSource, str]:
        """Return the issue of each loaded list, so that a change can trigger re-screening."""
        return dict(self._versions)

    @property
    def entry_count(self) -> int:
        """Return how many person entries are indexed."""
        return len(self._entries)

    def _candidate_names(self, subject: AnalysedName) -> set[int]:
        """Find the listed names sharing enough core tokens with the subject's name to be worth scoring."""
        core = [token for token in subject.tokens if not token.patronymic] or list(subject.tokens)
        token_keys = [blocking_keys(token) for token in core]
        candidates = {name for keys in token_keys for key in keys for name in self._short_postings.get(key, ())}
        if len(core) < _MIN_SHARED_TOKENS:
            candidates.update(name for keys in token_keys for key in keys for name in self._postings.get(key, ()))
            return candidates
        # A name sharing two of the subject's tokens shares one other than the most common, so seeds come
        # from the rarer tokens only and each seed is then checked against all of them.
        sizes = [sum(len(self._postings.get(key, ())) for key in keys) for keys in token_keys]
        commonest = sizes.index(max(sizes))
        seeds = {
            name
            for position, keys in enumerate(token_keys)
            if position != commonest
            for key in keys
            for name in self._postings.get(key, ())
        }
        for name in seeds:
            shared = sum(1 for keys in token_keys if any(name in self._postings.get(key, ()) for key in keys))
            if shared >= _MIN_SHARED_TOKENS:
                candidates.add(name)
        return candidates

    def screen(self, subject: ScreeningSubject, *, min_score: float = REVIEW_THRESHOLD) -> list[ScreeningHit]:
        """Return the entries that may designate the subject, best first, each scored and explained."""
        analysed = [name for text in subject.names if (name := analyse_name(text)).tokens]
        if not analysed:
            raise SubjectNameMissing("the subject has no name that can be compared")
        by_entry: dict[int, list[tuple[ListedName, AnalysedName]]] = defaultdict(list)
        for name in analysed:
            for name_position in self._candidate_names(name):
                entry_position, listed, listed_analysed = self._names[name_position]
                if (listed, listed_analysed) not in by_entry[entry_position]:
                    by_entry[entry_position].append((listed, listed_analysed))
        hits = [
            score_entry(analysed, subject.birth_date, self._entries[position], names)
            for position, names in by_entry.items()
        ]
        return sorted((hit for hit in hits if hit.score >= min_score), key=lambda hit: hit.score, reverse=True)


def build_screening_index(lists: Iterable[SanctionsList]) -> ScreeningIndex:
    """Index the given sanctions lists; fails when none is given or one of them is empty."""
    return ScreeningIndex(lists)


def screen_subject(
    index: ScreeningIndex | None, subject: ScreeningSubject, *, min_score: float = REVIEW_THRESHOLD
) -> list[ScreeningHit]:
    """Screen a person against the loaded lists; without an index this fails closed instead of clearing them."""
    if index is None:
        raise NoSanctionsListLoaded("no sanctions list has been loaded, so the subject cannot be cleared")
    return index.screen(subject, min_score=min_score)
