"""An in-memory index of loaded sanctions lists that screens one applicant in milliseconds.

Building it is a pure function of the parsed lists (no I/O), so callers can run it in a worker thread.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from services.eligibility.screening.engine.errors import NoSanctionsListLoaded, SanctionsListEmpty, SubjectNameMissing
from services.eligibility.screening.engine.evidence import (
    REVIEW_THRESHOLD,
    IndexedDocument,
    SubjectEvidence,
    document_class,
)
from services.eligibility.screening.engine.matching import ScreeningHit, screen_entry
from services.eligibility.screening.engine.model import (
    BirthDate,
    ListedDocument,
    ListedName,
    ListEntry,
    ListSource,
    SanctionsList,
    ScreeningSubject,
    SubjectKind,
)
from services.eligibility.screening.engine.name_frequency import POPULATION
from services.eligibility.screening.engine.names import AnalysedName, NameToken, analyse_name
from shared.crypto import normalise_identifier

# Applicants are people; organisations, vessels and aircraft on the lists cannot be them.
_SCREENED_KINDS = frozenset({SubjectKind.PERSON, SubjectKind.UNKNOWN})
# Without a birth date, a name sharing a single part is a candidate only for parts this rare (see matching).
_LONE_PART_PEOPLE = 5_000
# Two shared name parts that leave out some of the subject's given and family names are a candidate without a
# birth date only when at most this many people bear both.
_PAIR_PEOPLE = 5_000
# A document whose issuing country the list does not give is taken to be Russian when the entry gives no
# nationality either: the programme screens Russians.
_DEFAULT_DOCUMENT_COUNTRY = "RU"

DocumentKey = Callable[[str, str], str]


def plain_document_key(country: str, number: str) -> str:
    """The key of a document number when no secret is involved: country and normalised number."""
    return normalise_identifier(f"{country.upper()}:{number}")


class ScreeningIndex:
    """Every person on the loaded lists, blocked by name-part keys, birth dates and document numbers."""

    def __init__(self, lists: Iterable[SanctionsList], *, document_key: DocumentKey = plain_document_key) -> None:
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
        self._document_key = document_key
        self._entries: list[ListEntry] = []
        self._entry_names: list[list[tuple[ListedName, AnalysedName]]] = []
        self._entry_documents: list[tuple[IndexedDocument, ...]] = []
        # Every name part (patronymics too) of every listed name, by blocking key, as entry positions.
        self._postings: dict[str, set[int]] = defaultdict(set)
        # Listed names of a single part, which a subject meets on that part alone.
        self._short_postings: dict[str, set[int]] = defaultdict(set)
        # Entries by birth date: to the day, by year for dates the list gives only in part, by year for all.
        self._by_day: dict[tuple[int, int, int], set[int]] = defaultdict(set)
        self._by_partial_year: dict[int, set[int]] = defaultdict(set)
        self._by_year: dict[int, set[int]] = defaultdict(set)
        self._by_document: dict[str, set[int]] = defaultdict(set)
        for sanctions_list in by_source.values():
            for entry in sanctions_list.entries:
                if entry.kind in _SCREENED_KINDS:
                    self._add_entry(entry)
        if not any(self._entry_names):
            raise SanctionsListEmpty("the loaded lists hold no person with a comparable name")

    def _add_entry(self, entry: ListEntry) -> None:
        position = len(self._entries)
        names = [(listed, analysed) for listed in entry.names if (analysed := analyse_name(listed.full_name)).tokens]
        self._entries.append(entry)
        self._entry_names.append(names)
        for _, analysed in names:
            postings = self._short_postings if len(analysed.tokens) == 1 else self._postings
            for token in analysed.tokens:
                for key in token.keys:
                    postings[key].add(position)
        for born in entry.birth_dates:
            self._add_birth_date(position, born)
        documents = tuple(self._index_document(entry, position, document) for document in entry.documents)
        self._entry_documents.append(documents)

    def _add_birth_date(self, position: int, born: BirthDate) -> None:
        spread = (born.year - 1, born.year, born.year + 1) if born.approximate else (born.year,)
        for year in spread:
            self._by_year[year].add(position)
        if born.is_full and born.month is not None and born.day is not None:
            self._by_day[(born.year, born.month, born.day)].add(position)
            # A day and month swapped on one side still meets (`1980-05-02` and `1980-02-05`).
            if born.day <= 12:
                self._by_day[(born.year, born.day, born.month)].add(position)
        else:
            for year in spread:
                self._by_partial_year[year].add(position)

    def _index_document(self, entry: ListEntry, position: int, document: ListedDocument) -> IndexedDocument:
        country = document.country
        countries = [country] if country else list(entry.nationalities) or [_DEFAULT_DOCUMENT_COUNTRY]
        keys = frozenset(self._document_key(code.upper(), document.number) for code in countries if len(code) == 2)
        for key in keys:
            self._by_document[key].add(position)
        return IndexedDocument(
            kind=document_class(document.kind), country=country.upper() if country else None, keys=keys
        )

    @property
    def versions(self) -> dict[ListSource, str]:
        """Return the issue of each loaded list, so that a change can trigger re-screening."""
        return dict(self._versions)

    @property
    def entry_count(self) -> int:
        """Return how many person entries are indexed."""
        return len(self._entries)

    def _dated_entries(self, born: BirthDate | None, *, lone_part: bool) -> set[int]:
        """Entries whose birth date could agree with the subject's well enough for one shared name part to count.

        For a subject giving a single name part, any agreeing date will do; for a fuller name, one shared part
        with others differing counts only with a birth date that agrees to the day (see matching).
        """
        if born is None:
            return set()
        full = born.is_full and born.month is not None and born.day is not None
        found = set(self._by_day.get((born.year, born.month or 0, born.day or 0), ())) if full else set()
        if lone_part:
            found |= self._by_partial_year.get(born.year, set()) if full else self._by_year.get(born.year, set())
        return found

    def _candidates(self, subject: AnalysedName, born: BirthDate | None) -> set[int]:
        """Entries worth scoring: sharing two name parts, one part and the birth date, or one rare part."""
        tokens = subject.tokens
        postings = [self._token_postings(token) for token in tokens]
        candidates: set[int] = set()
        for token in tokens:
            for key in token.keys:
                candidates.update(self._short_postings.get(key, ()))
        core = {position for position, token in enumerate(tokens) if not token.patronymic}
        for first in range(len(tokens)):
            for second in range(first + 1, len(tokens)):
                # A pair that leaves out some of the subject's given and family names, and that many people share
                # (a common given name and patronymic), only matters with an agreeing birth date, which the date
                # blocks below already find.
                covers_core = core <= {first, second}
                people = POPULATION * tokens[first].share * tokens[second].share
                if covers_core or people <= _PAIR_PEOPLE:
                    candidates |= postings[first] & postings[second]
        all_keys = frozenset().union(*(token.keys for token in tokens))
        for entry in self._dated_entries(born, lone_part=len(core) <= 1):
            if any(token.keys & all_keys for _, name in self._entry_names[entry] for token in name.tokens):
                candidates.add(entry)
        if born is None and len(tokens) == 1 and POPULATION * tokens[0].share <= _LONE_PART_PEOPLE:
            candidates |= postings[0]
        return candidates

    def _token_postings(self, token: NameToken) -> set[int]:
        keys = list(token.keys)
        if len(keys) == 1:
            return self._postings.get(keys[0], set())
        return set().union(*(self._postings.get(key, set()) for key in keys))

    def screen(self, subject: ScreeningSubject, *, min_score: float = REVIEW_THRESHOLD) -> list[ScreeningHit]:
        """Return the entries that may designate the subject, blocking hits best first, then excluded namesakes."""
        analysed = [name for text in subject.names if (name := analyse_name(text)).tokens]
        if not analysed:
            raise SubjectNameMissing("the subject has no name that can be compared")
        born = subject.born
        candidates: set[int] = set()
        for name in analysed:
            candidates |= self._candidates(name, born)
        for document in subject.documents:
            candidates |= self._by_document.get(document.key, set())
        evidence = SubjectEvidence(born=born, documents=subject.documents, citizenship=subject.citizenship)
        hits = [
            hit
            for position in candidates
            if (
                hit := screen_entry(
                    analysed,
                    evidence,
                    self._entries[position],
                    self._entry_names[position],
                    self._entry_documents[position],
                    min_score=min_score,
                )
            )
            is not None
        ]
        return sorted(
            hits,
            key=lambda hit: (not hit.excluded, hit.score),
            reverse=True,
        )


def build_screening_index(
    lists: Iterable[SanctionsList], *, document_key: DocumentKey = plain_document_key
) -> ScreeningIndex:
    """Index the given sanctions lists; fails when none is given or one of them is empty."""
    return ScreeningIndex(lists, document_key=document_key)


def screen_subject(
    index: ScreeningIndex | None, subject: ScreeningSubject, *, min_score: float = REVIEW_THRESHOLD
) -> list[ScreeningHit]:
    """Screen a person against the loaded lists; without an index this fails closed instead of clearing them."""
    if index is None:
        raise NoSanctionsListLoaded("no sanctions list has been loaded, so the subject cannot be cleared")
    return index.screen(subject, min_score=min_score)
