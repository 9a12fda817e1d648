"""How common a Russian name part is: the share of people in Russia who bear it, as an order of magnitude.

Sources and method (estimates, good to about a factor of two, which is all the weighting needs):

- Family names: the ranking of the most widespread Russian surnames compiled by E. V. Balanovskaya et al.,
  "Family portraits of five Russian regions" (Medical Genetics, 2005) and its later edition by A. F. Zhuravlev.
  Shares are anchored on the published figures for the two most common (Smirnov about 1.8 %, Ivanov about
  1.3 % of the population) and follow Zipf's law by rank below them: share(rank) = 1.8 % x rank^-0.8. Each
  form (male `-ов`, female `-ова`) carries half the share of the surname.
- Given names: rounded shares among adults born 1950-2005, from the published rankings of Russian given names
  (Rosstat and the civil registry offices' yearly lists); a name's share of the whole population is half its
  share within its sex.
- Patronymics: the share of the father's given name among men.
- Anything else: a name part outside these tables is taken to be borne by about 1,500 people (1e-5), a
  patronymic by about 150,000 (1e-3).
"""

import json
from functools import lru_cache
from importlib import resources

from services.eligibility.screening.engine.translit import spelling_skeletons

POPULATION = 146_000_000

UNKNOWN_FAMILY_SHARE = 1e-5
UNKNOWN_PATRONYMIC_SHARE = 1e-3


def _load_name_tables() -> tuple[dict[str, float], dict[str, float], list[str]]:
    """Read the packaged tables: given names by sex (per cent, most common first), family names by rank."""
    text = (
        resources.files("services.eligibility.screening.engine")
        .joinpath("data", "russian_name_shares.json")
        .read_text("utf-8")
    )
    data = json.loads(text)
    male = {str(name): float(percent) for name, percent in data["male_given_names_percent"].items()}
    female = {str(name): float(percent) for name, percent in data["female_given_names_percent"].items()}
    return male, female, [str(name) for name in data["family_names_ranked"]]


# Share of men or of women bearing each given name (per cent), most common first; family names ranked as in
# the sources above (data/russian_name_shares.json).
MALE_GIVEN_NAMES, FEMALE_GIVEN_NAMES, FAMILY_NAMES_RANKED = _load_name_tables()


def feminine_family_name(family: str) -> str:
    """The female form of a family name in -ов, -ев, -ин (`Петров`, `Петрова`)."""
    return family + "а"


def patronymics_of(given: str) -> list[str]:
    """The male and female patronymics formed from a father's given name (`Сергей`: `Сергеевич`, `Сергеевна`)."""
    irregular = {"Илья": ["Ильич", "Ильинична"], "Никита": ["Никитич", "Никитична"], "Лев": ["Львович", "Львовна"]}
    if given in irregular:
        return irregular[given]
    if given == "Дмитрий":
        return ["Дмитриевич", "Дмитриевна"]
    if given.endswith("ий"):
        stem = given[:-2] + "ь"
    elif given.endswith(("й", "ь")):
        stem = given[:-1]
    else:
        stem = given
    suffix = ("евич", "евна") if given.endswith(("й", "ь")) else ("ович", "овна")
    return [stem + suffix[0], stem + suffix[1]]


def _skeleton(word: str) -> str:
    (only,) = spelling_skeletons(word)
    return only


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Build the share tables keyed by skeleton: given names, family names, patronymics."""
    given: dict[str, float] = {}
    for table in (MALE_GIVEN_NAMES, FEMALE_GIVEN_NAMES):
        for name, percent in table.items():
            skeleton = _skeleton(name)
            given[skeleton] = given.get(skeleton, 0.0) + percent / 100 / 2
    family: dict[str, float] = {}
    for rank, name in enumerate(FAMILY_NAMES_RANKED, start=1):
        share = 0.018 * rank**-0.8
        for form in (name, feminine_family_name(name)):
            skeleton = _skeleton(form)
            family[skeleton] = family.get(skeleton, 0.0) + share / 2
    patronymic: dict[str, float] = {}
    for name, percent in MALE_GIVEN_NAMES.items():
        for form in patronymics_of(name):
            skeleton = _skeleton(form)
            patronymic[skeleton] = patronymic.get(skeleton, 0.0) + percent / 100 / 2
    return given, family, patronymic


def is_given_name(skeletons: frozenset[str]) -> bool:
    """Tell whether a name part is one of the common Russian given names."""
    given, _, _ = _tables()
    return any(skeleton in given for skeleton in skeletons)


def name_part_share(skeletons: frozenset[str], *, patronymic: bool) -> float:
    """Return the share of people bearing this name part in its role (patronymic, given or family name)."""
    given, family, patronymics = _tables()
    if patronymic:
        return max((patronymics.get(s, 0.0) for s in skeletons), default=0.0) or UNKNOWN_PATRONYMIC_SHARE
    # A part in no particular role (a two-part name cannot tell a patronymic from a surname) is looked up in
    # every table, most common role first.
    for table in (given, family, patronymics):
        known = max((table.get(s, 0.0) for s in skeletons), default=0.0)
        if known:
            return known
    return UNKNOWN_FAMILY_SHARE


def expected_namesakes(shares: list[float], date_share: float = 1.0) -> float:
    """Estimate how many people in Russia bear all these name parts (and, when given, the birth date)."""
    people = POPULATION * date_share
    for share in shares:
        people *= share
    return people
