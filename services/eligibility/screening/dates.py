"""Birth dates as lists publish them, and how much an applicant's birth date agrees with them."""

import re
from dataclasses import dataclass
from datetime import date

from services.eligibility.screening.model import BirthDate

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
    """How far a birth date supports a name match: a factor on the score and the reason in words."""

    factor: float
    reason: str


def _compare_one(born: date, listed: BirthDate) -> DateAgreement:
    if listed.approximate:
        if abs(listed.year - born.year) <= 1:
            return DateAgreement(
                FACTOR_APPROXIMATE_YEAR,
                f"birth year {born.year} is within a year of the listed {listed}",
            )
        return DateAgreement(
            FACTOR_DIFFERENT,
            f"birth date {born.isoformat()} differs from the listed {listed}",
        )
    if listed.year != born.year:
        return DateAgreement(
            FACTOR_DIFFERENT,
            f"birth date {born.isoformat()} differs from the listed {listed}",
        )
    if listed.month is None:
        return DateAgreement(
            FACTOR_SAME_PRECISION_PREFIX,
            f"birth year {born.year} matches the listed year",
        )
    if listed.day is None:
        if listed.month == born.month:
            return DateAgreement(
                FACTOR_SAME_PRECISION_PREFIX,
                f"birth month {listed} matches the listed month",
            )
        return DateAgreement(
            FACTOR_SAME_YEAR,
            f"birth date {born.isoformat()} shares only the year with the listed {listed}",
        )
    if (listed.month, listed.day) == (born.month, born.day):
        return DateAgreement(FACTOR_EXACT, f"birth date {born.isoformat()} matches the listed {listed}")
    if (listed.month, listed.day) == (born.day, born.month):
        return DateAgreement(
            FACTOR_DAY_MONTH_SWAPPED,
            f"birth date {born.isoformat()} matches the listed {listed} with day and month swapped",
        )
    return DateAgreement(
        FACTOR_SAME_YEAR,
        f"birth date {born.isoformat()} shares only the year with the listed {listed}",
    )


def compare_birth_dates(born: date | None, listed: tuple[BirthDate, ...]) -> DateAgreement:
    """Weigh an applicant's birth date against all of an entry's listed birth dates, keeping the best agreement."""
    if born is None:
        return DateAgreement(
            FACTOR_UNKNOWN,
            "the applicant's birth date is unknown, so it could not be compared",
        )
    if not listed:
        return DateAgreement(FACTOR_UNKNOWN, "the list gives no birth date, so it could not be compared")
    return max(
        (_compare_one(born, item) for item in listed),
        key=lambda agreement: agreement.factor,
    )
