"""Typed records for sanctions list entries, shared by every list format."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rigour.text.scripts import text_scripts


class ListSource(StrEnum):
    """The published sanctions lists this package reads."""

    OFAC_SDN = "ofac_sdn"
    EU_FSF = "eu_fsf"
    UN_SC = "un_sc"


class SubjectKind(StrEnum):
    """What a list entry designates; screening of applicants only looks at persons."""

    PERSON = "person"
    ORGANISATION = "organisation"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ListedName:
    """One name of a list entry: its primary name or an alias, with the script it is written in."""

    full_name: str
    script: str | None
    is_alias: bool = False
    is_weak: bool = False


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date as precise as the list gives it: a year, a month or a day, possibly approximate."""

    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    @property
    def is_full(self) -> bool:
        """Whether the date is known to the day and not approximate."""
        return self.day is not None and not self.approximate

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return f"about {text}" if self.approximate else text


@dataclass(frozen=True, slots=True)
class ListedDocument:
    """An identity document a list gives for an entry: its kind as published, its number and issuing country."""

    kind: str
    number: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One designated party of a sanctions list, reduced to what screening needs."""

    source: ListSource
    list_version: str
    entry_id: str
    kind: SubjectKind
    names: tuple[ListedName, ...]
    birth_dates: tuple[BirthDate, ...] = ()
    nationalities: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    documents: tuple[ListedDocument, ...] = ()


@dataclass(frozen=True, slots=True)
class SanctionsList:
    """A whole published list: where it comes from, which issue it is, and its entries."""

    source: ListSource
    version: str
    entries: tuple[ListEntry, ...]


def detect_script(text: str) -> str | None:
    """Name the writing system(s) of a name, e.g. `Cyrillic` or `Cyrillic+Latin`; None when it has no letters."""
    scripts = text_scripts(text)
    return "+".join(sorted(scripts)) if scripts else None


def make_listed_name(full_name: str, *, is_alias: bool = False, is_weak: bool = False) -> ListedName:
    """Build a listed name with its script detected from the text."""
    clean = " ".join(full_name.split())
    return ListedName(full_name=clean, script=detect_script(clean), is_alias=is_alias, is_weak=is_weak)


@dataclass(frozen=True, slots=True)
class SubjectDocument:
    """An applicant's identity document as screening sees it: kind, issuing country and the key of its number.

    The key is whatever `document_key` the index was built with makes of the country and number (a keyed hash
    in the service), so that numbers are compared without being kept in clear.
    """

    kind: str
    country: str
    key: str


@dataclass(frozen=True, slots=True)
class ScreeningSubject:
    """The person to screen: every spelling of their name, birth date as known, documents and citizenship."""

    names: tuple[str, ...]
    birth_date: date | BirthDate | None = None
    documents: tuple[SubjectDocument, ...] = ()
    citizenship: str | None = None

    @property
    def born(self) -> BirthDate | None:
        """The birth date at the precision the applicant gave it."""
        if isinstance(self.birth_date, date):
            return BirthDate(self.birth_date.year, self.birth_date.month, self.birth_date.day)
        return self.birth_date
