"""The screen's shortcuts give exactly the hits the full scoring gives: name scores, date kinds, skipped namesakes."""

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.screening_bench import generate_people, make_subjects
from services.eligibility.screening.engine import (
    REVIEW_THRESHOLD,
    BirthDate,
    ListedDocument,
    ListEntry,
    ListSource,
    SanctionsList,
    ScreeningSubject,
    SubjectDocument,
    SubjectKind,
    build_screening_index,
    plain_document_key,
)
from services.eligibility.screening.engine.dates import birth_date_kind, compare_birth_dates
from services.eligibility.screening.engine.evidence import SubjectEvidence
from services.eligibility.screening.engine.matching import score_entry
from services.eligibility.screening.engine.model import make_listed_name
from services.eligibility.screening.engine.name_comparison import compare_names, name_score
from services.eligibility.screening.engine.names import analyse_name

PARTS = [
    "Ivan",
    "Иван",
    "Ivanov",
    "Ivanova",
    "Sergeyevich",
    "Сергеевич",
    "Petrov",
    "Petrow",
    "Pyotr",
    "Shoigu",
    "Ilyich",
]

partial_dates = st.builds(
    BirthDate,
    year=st.integers(1950, 1953),
    month=st.none() | st.integers(1, 12),
    day=st.none() | st.integers(1, 12),
    approximate=st.booleans(),
).filter(lambda born: born.day is None or born.month is not None)


@given(
    st.lists(st.sampled_from(PARTS), min_size=1, max_size=4), st.lists(st.sampled_from(PARTS), min_size=1, max_size=4)
)
def test_the_name_score_alone_is_the_score_of_the_full_comparison(left: list[str], right: list[str]) -> None:
    subject, listed = analyse_name(" ".join(left)), analyse_name(" ".join(right))
    assert name_score(subject, listed) == compare_names(subject, listed).score


@given(st.none() | partial_dates, st.lists(partial_dates, max_size=3).map(tuple))
def test_the_date_kind_alone_is_the_kind_of_the_full_agreement(
    born: BirthDate | None, listed: tuple[BirthDate, ...]
) -> None:
    assert birth_date_kind(born, listed) == compare_birth_dates(born, listed).kind


def _entries(rng: random.Random) -> list[ListEntry]:
    entries = []
    for number, (cyrillic, latin, born) in enumerate(generate_people(400, rng)):
        documents = (ListedDocument("Passport", f"77 {number:07d}", "RU"),) if number % 3 == 0 else ()
        entries.append(
            ListEntry(
                source=ListSource.OFAC_SDN,
                list_version="test",
                entry_id=str(number),
                kind=SubjectKind.PERSON,
                names=(make_listed_name(latin), make_listed_name(cyrillic, is_alias=True, is_weak=number % 5 == 0)),
                birth_dates=(BirthDate(born.year, born.month, born.day),) if number % 7 else (),
                nationalities=("ru",) if number % 2 else (),
                documents=documents,
            )
        )
    return entries


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), min_score=st.sampled_from([0.0, 0.3, REVIEW_THRESHOLD, 0.8]))
def test_a_screen_returns_exactly_the_entries_whose_full_score_reaches_the_threshold(
    seed: int, min_score: float
) -> None:
    rng = random.Random(seed)
    entries = _entries(rng)
    index = build_screening_index([SanctionsList(ListSource.OFAC_SDN, "test", tuple(entries))])
    people = [(e.names[1].full_name, e.names[0].full_name, date(1960, 1, 1)) for e in entries]
    subjects = make_subjects(people, 40, rng)
    # Namesakes with another birth date (most of the shortcut's work), and holders of a listed passport.
    subjects += [
        ScreeningSubject((entry.names[0].full_name,), date(1999, 1, 1) + timedelta(days=number))
        for number, entry in enumerate(entries[:20])
    ]
    subjects += [
        ScreeningSubject(
            (entry.names[0].full_name.split(" ")[0],),
            date(1930, 1, 1),
            (SubjectDocument("passport", "RU", plain_document_key("RU", entry.documents[0].number)),),
            "DE",
        )
        for entry in entries[:30:3]
    ]
    # Another given name beside a listed family name and birth date: a lead although the names score low.
    subjects += [
        ScreeningSubject((f"Pyotr {entry.names[0].full_name.split(' ')[-1]}",), entry.birth_dates[0])
        for entry in entries[1:40]
        if entry.birth_dates
    ]
    # A rare family name given alone, without a birth date: reviewed however low its name score.
    subjects += [ScreeningSubject((entry.names[0].full_name.split(" ")[-1],)) for entry in entries[:10]]
    for subject in subjects:
        names = [analyse_name(text) for text in subject.names]
        evidence = SubjectEvidence(born=subject.born, documents=subject.documents, citizenship=subject.citizenship)
        # What the screen scored before the shortcuts: every candidate in full, kept from `min_score` on.
        candidates: set[int] = set()
        for name in names:
            candidates |= index._candidates(name, subject.born)
        for document in subject.documents:
            candidates |= index._by_document.get(document.key, set())
        expected = {}
        for position in candidates:
            entry = entries[position]
            listed = [(name, analysed) for name in entry.names if (analysed := analyse_name(name.full_name)).tokens]
            documents = index._entry_documents[position]
            hit = score_entry(names, evidence, entry, listed, documents, explain_from=min_score)
            if hit.score >= min_score:
                expected[entry.entry_id] = hit
        assert {hit.entry.entry_id: hit for hit in index.screen(subject, min_score=min_score)} == expected
