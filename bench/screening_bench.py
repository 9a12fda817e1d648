"""Measure sanctions screening on a generated list: parse and index rate, and screens per second.

Run with `.venv/bin/python bench/screening_bench.py [entries] [screens]` (defaults 20000 and 2000).
"""

import io
import random
import sys
import time
from datetime import date, timedelta
from xml.sax.saxutils import escape

from rigour.text import ascii_text

from services.eligibility.screening.engine import ScreeningSubject, build_screening_index, parse_ofac_sdn

GIVEN = [
    "Александр",
    "Алексей",
    "Андрей",
    "Антон",
    "Борис",
    "Вадим",
    "Виктор",
    "Владимир",
    "Дмитрий",
    "Евгений",
    "Иван",
    "Игорь",
    "Кирилл",
    "Максим",
    "Михаил",
    "Николай",
    "Олег",
    "Павел",
    "Пётр",
    "Роман",
    "Сергей",
    "Юрий",
    "Анна",
    "Елена",
    "Ирина",
    "Мария",
    "Наталья",
    "Ольга",
    "Светлана",
    "Татьяна",
]
ONSETS = ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ц", "ч", "ш", "щ"]
VOWELS = ["а", "е", "и", "о", "у", "ы", "ё", "я", "ю"]
ENDINGS = ["ов", "ев", "ин", "ский", "енко", "ук", "ич", "ян", "гу", "ко"]
# How applicant names get mangled on their way to a form: German and French spellings of the same sounds.
RESPELLINGS = [("sh", "sch"), ("sh", "ch"), ("kh", "ch"), ("v", "w"), ("zh", "j"), ("y", "j"), ("u", "ou")]


def make_surname(rng: random.Random) -> str:
    """Build a plausible Russian surname from random syllables."""
    syllables = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.randint(1, 3)))
    return (syllables + rng.choice(ENDINGS)).capitalize()


def make_patronymic(given: str) -> str:
    """Build a patronymic from a given name, the regular way."""
    stem = given.rstrip("йь")
    return stem + ("евич" if given.endswith(("й", "ь")) else "ович")


def generate_people(count: int, rng: random.Random) -> list[tuple[str, str, date]]:
    """Return (Cyrillic name, Latin name, birth date) for `count` generated people."""
    people = []
    for _ in range(count):
        given, father = rng.choice(GIVEN), rng.choice(GIVEN[:22])
        cyrillic = f"{given} {make_patronymic(father)} {make_surname(rng)}"
        born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 60))
        people.append((cyrillic, ascii_text(cyrillic), born))
    return people


def write_ofac_xml(people: list[tuple[str, str, date]]) -> bytes:
    """Write the people as an OFAC SDN XML document."""
    out = [f"<sdnList><publshInformation><Record_Count>{len(people)}</Record_Count></publshInformation>"]
    for number, (cyrillic, latin, born) in enumerate(people, 1):
        first, _, last = latin.rpartition(" ")
        out.append(
            f"<sdnEntry><uid>{number}</uid><firstName>{escape(first)}</firstName><lastName>{escape(last)}</lastName>"
            "<sdnType>Individual</sdnType><programList><program>BENCH</program></programList>"
            f"<akaList><aka><uid>{number}</uid><type>a.k.a.</type><category>strong</category>"
            f"<lastName>{escape(cyrillic)}</lastName></aka></akaList>"
            f"<dateOfBirthList><dateOfBirthItem><uid>{number}</uid>"
            f"<dateOfBirth>{born.strftime('%d %b %Y')}</dateOfBirth></dateOfBirthItem></dateOfBirthList></sdnEntry>"
        )
    out.append("</sdnList>")
    return "".join(out).encode()


def make_subjects(people: list[tuple[str, str, date]], count: int, rng: random.Random) -> list[ScreeningSubject]:
    """Half the applicants are listed people respelled, half are new people."""
    subjects = []
    strangers = generate_people(count, rng)
    for number in range(count):
        if number % 2:
            _, latin, born = rng.choice(people)
            given, _, surname = latin.split(" ")
            for old, new in rng.sample(RESPELLINGS, 2):
                surname = surname.replace(old, new)
            subjects.append(ScreeningSubject((f"{given} {surname}",), born))
        else:
            cyrillic, _, born = strangers[number]
            subjects.append(ScreeningSubject((cyrillic,), born))
    return subjects


def main() -> None:
    """Generate a list, then time parsing, indexing and screening."""
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    screens = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    rng = random.Random(20260916)
    people = generate_people(entries, rng)
    document = write_ofac_xml(people)

    started = time.perf_counter()
    sanctions_list = parse_ofac_sdn(io.BytesIO(document))
    parsed = time.perf_counter()
    index = build_screening_index([sanctions_list])
    indexed = time.perf_counter()
    print(f"parse: {entries / (parsed - started):,.0f} entries/s ({parsed - started:.2f}s for {entries:,})")
    print(f"index: {entries / (indexed - parsed):,.0f} entries/s ({indexed - parsed:.2f}s for {entries:,})")

    subjects = make_subjects(people, screens, rng)
    started = time.perf_counter()
    hits = [index.screen(subject) for subject in subjects]
    elapsed = time.perf_counter() - started
    found = sum(1 for result in hits[1::2] if result and result[0].confident)
    stray = sum(1 for result in hits[0::2] if any(hit.confident for hit in result))
    print(f"screen: {screens / elapsed:,.0f} applicant screens/s ({elapsed * 1000 / screens:.2f} ms each)")
    print(f"respelled listed applicants found confidently: {found}/{len(hits[1::2])}")
    print(f"unlisted applicants with a confident hit: {stray}/{len(hits[0::2])}")


if __name__ == "__main__":
    main()
