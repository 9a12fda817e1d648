"""Birth dates as lists publish them, and how much an applicant's birth date agrees with them."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.eligibility.screening.engine.model import BirthDate

_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "jan",
            "feb",
            "mar",
            "apr",
            "may",
            "jun",
            "jul",
            "aug",
            "sep",
            "oct",
            "nov",
            "dec",
        ),
        1,
    )
}
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DAY_MONTH_YEAR = re.compile(r"^(?:(\d{1,2})\s+)?([a-z]{3})[a-z]*\.?\s+(\d{4})$")
_YEAR_RANGE = re.compile(r"^(\d{4})\s*(?:to|-|\u2013)\s*(\d{4})$")
_APPROXIMATE = re.compile(r"^(?:circa|ca\.?|approximately|approx\.?|about)\s+", re.IGNORECASE)
# A range wider than this says little about the person; it is kept as its end points only.
_MAX_RANGE_YEARS = 10

# How much the birth date moves the name score; the reasons in `compare_birth_dates` say why.
FACTOR_EXACT = 1.0
FACTOR_SAME_PRECISION_PREFIX = 0.97
FACTOR_APPROXIMATE_YEAR = 0.9
FACTOR_UNKNOWN = 0.92
FACTOR_DAY_MONTH_SWAPPED = 0.85
FACTOR_SAME_YEAR = 0.7
FACTOR_DIFFERENT = 0.55
FACTOR_CONTRADICTS = 0.0

# Birth dates of living adults spread over about seventy years: the chance that a stranger shares a date.
_YEARS_SPREAD = 70
SHARE_OF_A_DAY = 1 / (365.25 * _YEARS_SPREAD)
SHARE_OF_A_MONTH = 1 / (12 * _YEARS_SPREAD)
SHARE_OF_A_YEAR = 1 / _YEARS_SPREAD

DateKind = Literal["exact", "swapped", "partial", "approximate", "unknown", "same_year", "differs", "contradicts"]


def _checked(year: int, month: int | None, day: int | None, approximate: bool) -> BirthDate | None:
    """Drop impossible dates rather than let a typo in a list become a match or a mismatch."""
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    return BirthDate(year=year, month=month, day=day, approximate=approximate)


def parse_birth_dates(text: str) -> tuple[BirthDate, ...]:
    """Read a list's birth date text (`1955-05-21`, `21 May 1955`, `May 1955`, `circa 1955`, `1960 to 1962`)."""
    value = text.strip().lower()
    approximate = bool(_APPROXIMATE.match(value))
    value = _APPROXIMATE.sub("", value).strip()
    if match := _ISO.match(value):
        year, month, day = match.groups()
        parsed = _checked(
            int(year),
            int(month) if month else None,
            int(day) if day else None,
            approximate,
        )
        return (parsed,) if parsed else ()
    if match := _DAY_MONTH_YEAR.match(value):
        day, month_name, year = match.groups()
        month = _MONTHS.get(month_name)
        if month is None:
            return ()
        parsed = _checked(int(year), month, int(day) if day else None, approximate)
        return (parsed,) if parsed else ()
    if match := _YEAR_RANGE.match(value):
        return expand_year_range(int(match.group(1)), int(match.group(2)))
    return ()


def expand_year_range(first: int, last: int) -> tuple[BirthDate, ...]:
    """Turn a published range of birth years into approximate years."""
    low, high = min(first, last), max(first, last)
    years = range(low, high + 1) if high - low <= _MAX_RANGE_YEARS else (low, high)
    return tuple(BirthDate(year=year, approximate=True) for year in years)


@dataclass(frozen=True, slots=True)
class DateAgreement:
    """How far a birth date supports a name match: a factor on the score, what kind of agreement, and why.

    `share` is the chance that a stranger's birth date agrees as well as this one does (1.0 when nothing agrees),
    used to estimate how many namesakes could share it.
    """

    factor: float
    reason: str
    kind: DateKind = "exact"
    share: float = 1.0

    @property
    def pins_the_day(self) -> bool:
        """Whether both dates are known to the day and agree (possibly with day and month swapped)."""
        return self.kind in {"exact", "swapped"}


_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_partial_date(text: str | None) -> BirthDate | None:
    """Read an applicant's birth date as given: `1987`, `1987-05`, `1987-05-14`, or nothing (unknown)."""
    if not text:
        return None
    match = _ISO_PARTIAL.match(text.strip())
    if match is None:
        raise ValueError("a birth date must read YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    parsed = _checked(int(year), int(month) if month else None, int(day) if day else None, approximate=False)
    if parsed is None:
        raise ValueError("the birth date is not a date that exists")
    return parsed


def _as_birth_date(born: date | BirthDate) -> BirthDate:
    return BirthDate(born.year, born.month, born.day) if isinstance(born, date) else born


def _agreement(born: BirthDate, listed: BirthDate) -> tuple[float, DateKind, float]:
    """How one listed date agrees with the applicant's: (factor, kind, share); the words are `_reason`'s."""
    # An applicant's full birth date contradicts whatever the list states that it does not agree with (a day, a
    # month, a year, or a year give or take one); an applicant's partial date never contradicts anything.
    if listed.approximate or born.approximate:
        if abs(listed.year - born.year) <= 1:
            return FACTOR_APPROXIMATE_YEAR, "approximate", 3 * SHARE_OF_A_YEAR
        return (FACTOR_CONTRADICTS, "contradicts", 1.0) if born.is_full else (FACTOR_DIFFERENT, "differs", 1.0)
    both_full = born.is_full and listed.is_full
    if listed.year != born.year:
        return (FACTOR_CONTRADICTS, "contradicts", 1.0) if born.is_full else (FACTOR_DIFFERENT, "differs", 1.0)
    if listed.month is None or born.month is None:
        return FACTOR_SAME_PRECISION_PREFIX, "partial", SHARE_OF_A_YEAR
    if both_full and (listed.month, listed.day) == (born.month, born.day):
        return FACTOR_EXACT, "exact", SHARE_OF_A_DAY
    if both_full and (listed.month, listed.day) == (born.day, born.month):
        return FACTOR_DAY_MONTH_SWAPPED, "swapped", SHARE_OF_A_DAY
    if both_full or (born.is_full and listed.month != born.month):
        return FACTOR_CONTRADICTS, "contradicts", 1.0
    if listed.month == born.month:
        return FACTOR_SAME_PRECISION_PREFIX, "partial", SHARE_OF_A_MONTH
    return FACTOR_SAME_YEAR, "same_year", 1.0


def _reason(kind: DateKind, born: BirthDate, listed: BirthDate) -> str:
    """The sentence for an agreement `_agreement` found between these two dates."""
    if kind == "approximate":
        return f"birth year {born.year} is within a year of the listed {listed}"
    if kind == "contradicts":
        return f"birth date {born} contradicts the listed {listed}"
    if kind == "differs":
        return f"birth date {born} differs from the listed {listed}"
    if kind == "partial":
        if listed.month is None or born.month is None:
            return f"birth year {born.year} matches the listed {listed}"
        return f"birth month {born.year:04d}-{born.month:02d} matches the listed {listed}"
    if kind == "exact":
        return f"birth date {born} matches the listed {listed}"
    if kind == "swapped":
        return f"birth date {born} matches the listed {listed} with day and month swapped"
    return f"birth date {born} shares only the year with the listed {listed}"


def _best(born: BirthDate, listed: tuple[BirthDate, ...]) -> tuple[BirthDate, tuple[float, DateKind, float]]:
    """The listed date agreeing best (the first of equals) and its agreement."""
    return max(((item, _agreement(born, item)) for item in listed), key=lambda pair: pair[1][0])


def birth_date_kind(born: date | BirthDate | None, listed: tuple[BirthDate, ...]) -> DateKind:
    """The kind of `compare_birth_dates`'s answer, without writing its reason (cheap enough to ask first)."""
    if born is None or not listed:
        return "unknown"
    return _best(_as_birth_date(born), listed)[1][1]


def compare_birth_dates(born: date | BirthDate | None, listed: tuple[BirthDate, ...]) -> DateAgreement:
    """Weigh an applicant's birth date (full, partial or unknown) against all of an entry's listed birth dates.

    The best agreement counts; the dates contradict only when the applicant's date is known to the day and
    none of the listed dates agrees with it at the precision the list gives.
    """
    if born is None:
        return DateAgreement(
            FACTOR_UNKNOWN, "the applicant's birth date is unknown, so it could not be compared", "unknown"
        )
    if not listed:
        return DateAgreement(FACTOR_UNKNOWN, "the list gives no birth date, so it could not be compared", "unknown")
    subject = _as_birth_date(born)
    item, (factor, kind, share) = _best(subject, listed)
    return DateAgreement(factor, _reason(kind, subject, item), kind, share)
