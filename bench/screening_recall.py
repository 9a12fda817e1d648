"""Screening recall and namesake sparing on spellings the matcher was not built from, beside nomenklatura's matcher.

Run with `.venv/bin/python bench/screening_recall.py` (`--quick`, the default, takes about a minute) or
`--full` (a 50,000-entry list and 10,000 ordinary people). Spellings come from the `iuliia` package (every
Russian romanisation scheme it ships) and from `bench/press_romanisation.py` (German, French, Polish, Czech,
Spanish and Italian press conventions written from their published tables), plus Cyrillic and Cyrillic with
Latin look-alike letters typed in. The list's own names are written in a scheme drawn at random too, so both
sides vary.

What is measured:
- listed persons, each probed in every spelling and in one of these forms: full name, without patronymic,
  family name first, or a single remaining part; with the list's birth date where it has one (an unknown one
  where it has none), and half the time with the listed passport number;
- ordinary people: random Russians, a fifth of them sharing a listed person's full name with another birth date
  (people whose name as given and birth date, at the list's precision, equal a listed person's are drawn again:
  nothing can tell them apart).

The peer, nomenklatura, is a pairwise scorer without a search index of its own, so it is given each probe
against its true list entry, and each name-sharing ordinary person against the entry they share the name
with: its recall assumes perfect candidate generation, and its false hits count only those pairs. A pair at or
above 0.7 (yente's default match threshold) counts as a hit for it.
"""

import argparse
import random
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import iuliia

from bench.press_romanisation import PRESS
from services.eligibility.screening.engine import (
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
from services.eligibility.screening.engine.model import make_listed_name
from services.eligibility.screening.engine.name_frequency import (
    FAMILY_NAMES_RANKED,
    FEMALE_GIVEN_NAMES,
    MALE_GIVEN_NAMES,
    feminine_family_name,
    patronymics_of,
)
from shared.lookalikes import fold_to_latin

warnings.filterwarnings("ignore", category=DeprecationWarning)

ONSETS = ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ц", "ч", "ш", "щ"]
VOWELS = ["а", "е", "и", "о", "у", "ы", "ё", "я", "ю"]
ENDINGS = ["ов", "ев", "ин", "ский", "енко", "ук", "ич", "ян", "ко", "цев", "ёв"]
SCHEMES: dict[str, Callable[[str], str]] = {
    name.lower(): getattr(iuliia, name).translate for name in dir(iuliia) if name.isupper()
}
SCHEMES.update(PRESS)
SPELLINGS = [*SCHEMES, "cyrillic", "cyrillic_lookalikes"]
# Latin letters a typist slips into a Cyrillic word because they look the same.
LOOKALIKES = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "В": "B", "Н": "H", "С": "C"}
FORMS = ["full"] * 6 + ["no_patronymic"] * 2 + ["family_first", "single_part"]
PEER_THRESHOLD = 0.7


@dataclass(frozen=True)
class Person:
    """A generated Russian person in Cyrillic."""

    given: str
    patronymic: str
    family: str
    born: date


@dataclass
class Tally:
    """Counts for one row of the report."""

    total: int = 0
    found: int = 0
    confident: int = 0
    by_spelling: Counter[str] = field(default_factory=Counter)
    missed_by_spelling: Counter[str] = field(default_factory=Counter)


def weighted(table: dict[str, float]) -> tuple[list[str], list[float]]:
    return list(table), list(table.values())


MALE = weighted(MALE_GIVEN_NAMES)
FEMALE = weighted(FEMALE_GIVEN_NAMES)
FAMILY_WEIGHTS = [rank**-0.8 for rank in range(1, len(FAMILY_NAMES_RANKED) + 1)]


def synthetic_family(rng: random.Random, female: bool) -> str:
    """A plausible rare surname from random syllables, in its male or female form."""
    syllables = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.randint(1, 3)))
    ending = rng.choice(ENDINGS)
    name = (syllables + ending).capitalize()
    if female:
        if ending.endswith(("ов", "ев", "ин", "ёв")):
            name += "а"
        elif ending == "ский":
            name = name[:-2] + "ая"
    return name


def make_person(rng: random.Random) -> Person:
    """A random Russian: given name by frequency, patronymic from a father's name, common or rare surname."""
    female = rng.random() < 0.5
    names, weights = FEMALE if female else MALE
    given = rng.choices(names, weights)[0]
    father = rng.choices(*MALE)[0]
    patronymic = patronymics_of(father)[1 if female else 0]
    if rng.random() < 0.5:
        family = rng.choices(FAMILY_NAMES_RANKED, FAMILY_WEIGHTS)[0]
        family = feminine_family_name(family) if female else family
    else:
        family = synthetic_family(rng, female)
    born = date(1945, 1, 1) + timedelta(days=rng.randint(0, 365 * 60))
    return Person(given, patronymic, family, born)


def spell(name: str, spelling: str, rng: random.Random) -> str:
    """Write a Cyrillic name in one spelling."""
    if spelling == "cyrillic":
        return name
    if spelling == "cyrillic_lookalikes":
        letters = list(name)
        positions = [i for i, ch in enumerate(letters) if ch in LOOKALIKES]
        for i in rng.sample(positions, min(2, len(positions))):
            letters[i] = LOOKALIKES[letters[i]]
        return "".join(letters)
    return " ".join(SCHEMES[spelling](word) for word in name.split())


def arrange(person: Person, form: str) -> str:
    """The Cyrillic name in one of the forms applicants give it."""
    if form == "no_patronymic":
        return f"{person.given} {person.family}"
    if form == "family_first":
        return f"{person.family} {person.given} {person.patronymic}"
    if form == "single_part":
        return person.family
    return f"{person.given} {person.patronymic} {person.family}"


def passport_number(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return f"{rng.choice(['АК', 'ЕС', 'МР', 'ТО'])} {rng.randint(1_000_000, 9_999_999)}"
    return f"{rng.randint(10, 99)} {rng.randint(1_000_000, 9_999_999)}"


def make_entry(number: int, person: Person, rng: random.Random) -> ListEntry:
    """A list entry for a person: a Latin main name in a random scheme, often a Cyrillic alias, partial data."""
    scheme = rng.choice(["bgn_pcgn"] * 4 + ["icao_doc_9303"] * 2 + list(SCHEMES))
    cyrillic = f"{person.given} {person.patronymic} {person.family}"
    latin = spell(cyrillic, scheme, rng)
    if rng.random() < 0.5:
        given, patronymic, family = latin.split(" ")
        latin = f"{family.upper()} {given} {patronymic}"
    names = [make_listed_name(latin)]
    if rng.random() < 0.5:
        names.append(make_listed_name(cyrillic, is_alias=True))
    roll = rng.random()
    if roll < 0.85:
        births: tuple[BirthDate, ...] = (BirthDate(person.born.year, person.born.month, person.born.day),)
    elif roll < 0.92:
        births = (BirthDate(person.born.year),)
    else:
        births = ()
    documents = (ListedDocument("Passport", passport_number(rng), "RU"),) if rng.random() < 0.3 else ()
    return ListEntry(
        source=ListSource.OFAC_SDN,
        list_version="bench",
        entry_id=str(number),
        kind=SubjectKind.PERSON,
        names=tuple(names),
        birth_dates=births,
        nationalities=("ru",) if rng.random() < 0.9 else (),
        programmes=("BENCH",),
        documents=documents,
    )


def probe_birth_date(entry: ListEntry, person: Person, rng: random.Random) -> date | BirthDate | None:
    """The birth date a listed person gives: the list's (to the day, or the year where the list has only that)."""
    if not entry.birth_dates:
        return person.born if rng.random() < 0.5 else None
    (listed,) = entry.birth_dates
    return person.born if listed.day is not None else BirthDate(listed.year)


def category_of(entry: ListEntry, born: date | BirthDate | None, form: str) -> str:
    if not entry.birth_dates or born is None:
        if form == "single_part":
            return "listed, single name part, no birth date (rare names only)"
        return "listed, no birth date to compare (review expected)"
    if entry.birth_dates[0].day is None:
        return "listed, birth year agrees (list gives the year only)"
    if form == "single_part":
        return "listed, single name part + agreeing birth date"
    return "listed, full birth dates agree"


def to_peer_entity(entity_id: str, names: list[str], born: date | BirthDate | None, passport: str | None) -> Any:
    from followthemoney import model

    person = model.make_entity("Person")
    person.id = entity_id
    for name in names:
        person.add("name", name)
    if born is not None:
        person.add("birthDate", born.isoformat() if isinstance(born, date) else str(born))
    person.add("nationality", "ru")
    if passport:
        person.add("passportNumber", passport)
    return person


def main() -> None:
    """Generate the list, probe it, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="10,000 entries, 1,800 ordinary people (default)")
    size.add_argument("--full", action="store_true", help="50,000 entries, 10,000 ordinary people")
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    entries_count, listed_probed, ordinary_count = (50_000, 300, 10_000) if args.full else (10_000, 60, 1_800)
    rng = random.Random(args.seed)

    people = [make_person(rng) for _ in range(entries_count)]
    entries = [make_entry(number, person, rng) for number, person in enumerate(people)]
    started = time.perf_counter()
    index = build_screening_index([SanctionsList(ListSource.OFAC_SDN, "bench", tuple(entries))])
    index_seconds = time.perf_counter() - started

    # Listed persons: every spelling, one form each.
    probes: list[tuple[int, ScreeningSubject, str, str, str | None]] = []
    for position in rng.sample(range(entries_count), listed_probed):
        person, entry = people[position], entries[position]
        for spelling in SPELLINGS:
            form = rng.choice(FORMS)
            born = probe_birth_date(entry, person, rng)
            documents: tuple[SubjectDocument, ...] = ()
            passport = None
            if entry.documents and rng.random() < 0.5:
                passport = entry.documents[0].number
                given = passport if rng.random() < 0.5 else fold_to_latin(passport)
                documents = (SubjectDocument("passport", "RU", plain_document_key("RU", given)),)
            name = spell(arrange(person, form), spelling, rng)
            subject = ScreeningSubject((name,), born, documents, "RU")
            probes.append((position, subject, spelling, category_of(entry, born, form), passport))

    # Ordinary people: fresh Russians, and a fifth sharing a listed person's name with another birth date.
    # An ordinary person whose name as given and birth date (at the precision the list gives) equal a listed
    # person's cannot be told apart from them by anyone; such coincidences are drawn again.
    listed_births: dict[tuple[str, ...], set[object]] = defaultdict(set)
    for person, entry in zip(people, entries, strict=True):
        for listed in entry.birth_dates:
            known: object = person.born if listed.day is not None else person.born.year
            listed_births[(person.given, person.patronymic, person.family)].add(known)
            listed_births[(person.given, person.family)].add(known)
    ordinary: list[tuple[ScreeningSubject, int | None, bool]] = []
    while len(ordinary) < ordinary_count:
        shared: int | None = None
        if rng.random() < 0.2:
            shared = rng.randrange(entries_count)
            base = people[shared]
            person = Person(base.given, base.patronymic, base.family, make_person(rng).born)
        else:
            person = make_person(rng)
        form = rng.choice(["full", "full", "no_patronymic"])
        given_as = (
            (person.given, person.family)
            if form == "no_patronymic"
            else (person.given, person.patronymic, person.family)
        )
        if {person.born, person.born.year} & listed_births.get(given_as, set()):
            continue
        name = spell(arrange(person, form), rng.choice(SPELLINGS), rng)
        dated = shared is not None and bool(entries[shared].birth_dates)
        ordinary.append((ScreeningSubject((name,), person.born, (), "RU"), shared, dated))

    started = time.perf_counter()
    probe_hits = [index.screen(subject) for _, subject, _, _, _ in probes]
    ordinary_hits = [index.screen(subject) for subject, _, _ in ordinary]
    screen_seconds = time.perf_counter() - started
    screens = len(probes) + len(ordinary)

    tallies: dict[str, Tally] = defaultdict(Tally)
    for (position, _, spelling, category, _), hits in zip(probes, probe_hits, strict=True):
        tally = tallies[category]
        tally.total += 1
        tally.by_spelling[spelling] += 1
        mine = [hit for hit in hits if hit.entry.entry_id == str(position) and not hit.excluded]
        if mine:
            tally.found += 1
            tally.confident += any(hit.confident for hit in mine)
        else:
            tally.missed_by_spelling[spelling] += 1

    blocking = [any(not hit.excluded for hit in hits) for hits in ordinary_hits]
    blocked_by_namesake = [
        any(hit.entry.entry_id == str(position) and not hit.excluded for hit in hits)
        for (_, position, _), hits in zip(ordinary, ordinary_hits, strict=True)
    ]
    blocking_dated = [
        any(not hit.excluded and hit.entry.birth_dates and hit.entry.birth_dates[0].day for hit in hits)
        for hits in ordinary_hits
    ]
    confident_false = sum(1 for hits in ordinary_hits for hit in hits if hit.confident)
    sharing_dated = [i for i, (_, position, dated) in enumerate(ordinary) if position is not None and dated]

    peers = peer_scores(probes, entries, people, ordinary)

    print(f"list: {entries_count:,} entries, index built in {index_seconds:.1f} s")
    print(f"listed-person probes: {len(probes):,} ({listed_probed} persons x {len(SPELLINGS)} spellings)")
    print(f"ordinary people: {len(ordinary):,} ({len(sharing_dated):,} share a dated listed person's full name)")
    print()
    header = f"| {'figure':<86} | {'carrots':>9} | {'nomenklatura logic-v1':>21} | {'nomenklatura name-based':>23} |"
    print(header)
    print("|" + "-" * 88 + "|" + "-" * 10 + ":|" + "-" * 22 + ":|" + "-" * 24 + ":|")

    def row(label: str, ours: str, logic: str = "", names: str = "") -> None:
        print(f"| {label:<86} | {ours:>9} | {logic:>21} | {names:>23} |")

    for category in sorted(tallies):
        tally = tallies[category]
        peer = peers["probes"].get(category, {})
        row(
            f"{category}: recall at any level (n={tally.total})",
            f"{tally.found / tally.total:.4f}",
            f"{peer.get('logic-v1', 0.0):.4f}",
            f"{peer.get('name-based', 0.0):.4f}",
        )
        if "review expected" not in category:
            row(f"{category}: recall confident", f"{tally.confident / tally.total:.4f}")
    found = sum(t.found for t in tallies.values())
    total = sum(t.total for t in tallies.values())
    row("all listed-person probes: recall at any level", f"{found / total:.4f}")
    row(
        "namesakes of a dated listed person, another birth date: blocked by it",
        f"{sum(blocked_by_namesake[i] for i in sharing_dated) / max(1, len(sharing_dated)):.2%}",
        f"{peers['sharing'].get('logic-v1', 0.0):.2%}",
        f"{peers['sharing'].get('name-based', 0.0):.2%}",
    )
    row(
        "ordinary people: blocking hits on entries with another birth date",
        f"{sum(blocking_dated) / len(ordinary):.2%}",
    )
    row("ordinary people: blocking hits of any kind, undated entries included", f"{sum(blocking) / len(ordinary):.2%}")
    row("ordinary people: confident false hits", f"{confident_false}")
    row(
        "screens per second (carrots: whole index; peer: one pair each)",
        f"{screens / screen_seconds:,.0f}",
        f"{peers['rate'].get('logic-v1', 0.0):,.0f}",
        f"{peers['rate'].get('name-based', 0.0):,.0f}",
    )
    print()
    missed = Counter[str]()
    for tally in tallies.values():
        missed.update(tally.missed_by_spelling)
    if missed:
        print("missed probes by spelling: " + ", ".join(f"{name} {count}" for name, count in missed.most_common()))
    else:
        print("missed probes by spelling: none")


def peer_scores(
    probes: list[tuple[int, ScreeningSubject, str, str, str | None]],
    entries: list[ListEntry],
    people: list[Person],
    ordinary: list[tuple[ScreeningSubject, int | None, bool]],
) -> dict[str, dict[str, Any]]:
    """nomenklatura's matchers on the same spellings: probes against their entries, namesakes against theirs."""
    from nomenklatura.matching import get_algorithm

    results: dict[str, dict[str, Any]] = {"probes": defaultdict(dict), "sharing": {}, "rate": {}}
    entities: dict[int, Any] = {}

    def entry_entity(position: int) -> Any:
        if position not in entities:
            entry = entries[position]
            born = entry.birth_dates[0] if entry.birth_dates else None
            passport = entry.documents[0].number if entry.documents else None
            entities[position] = to_peer_entity(
                f"e{position}", [n.full_name for n in entry.names], born, fold_to_latin(passport) if passport else None
            )
        return entities[position]

    for algorithm_name in ("logic-v1", "name-based"):
        algorithm = get_algorithm(algorithm_name)
        if algorithm is None:
            continue
        config = algorithm.default_config()
        found: dict[str, list[bool]] = defaultdict(list)
        pairs = 0
        started = time.perf_counter()
        for number, (position, subject, _, category, passport) in enumerate(probes):
            query = to_peer_entity(f"p{number}", list(subject.names), subject.birth_date, passport)
            score = algorithm.compare(query, entry_entity(position), config).score
            found[category].append(score >= PEER_THRESHOLD)
            pairs += 1
        sharing_hits = []
        for number, (subject, shared, dated) in enumerate(ordinary):
            if shared is None or not dated:
                continue
            query = to_peer_entity(f"o{number}", list(subject.names), subject.birth_date, None)
            sharing_hits.append(algorithm.compare(query, entry_entity(shared), config).score >= PEER_THRESHOLD)
            pairs += 1
        elapsed = time.perf_counter() - started
        for category, flags in found.items():
            results["probes"][category][algorithm_name] = sum(flags) / len(flags)
        results["sharing"][algorithm_name] = sum(sharing_hits) / max(1, len(sharing_hits))
        results["rate"][algorithm_name] = pairs / elapsed
    return results


if __name__ == "__main__":
    main()
