"""Reader for the EU consolidated financial sanctions list (FSF XML, `xmlFullSanctionsList_1_1`)."""

from lxml import etree

from services.eligibility.screening.engine.dates import parse_birth_dates
from services.eligibility.screening.engine.model import (
    BirthDate,
    ListedDocument,
    ListedName,
    ListEntry,
    ListSource,
    SanctionsList,
    SubjectKind,
    make_listed_name,
)
from services.eligibility.screening.engine.parsers._xml import (
    XmlSource,
    attribute,
    children,
    stream_records,
)
from services.eligibility.screening.engine.parsers.territory import document_country, normalise_country

_KINDS = {"person": SubjectKind.PERSON, "enterprise": SubjectKind.ORGANISATION}


def _read_names(element: etree._Element) -> list[ListedName]:
    names: list[ListedName] = []
    for alias in children(element, "nameAlias"):
        whole = attribute(alias, "wholeName")
        if whole is None:
            parts = (attribute(alias, key) for key in ("firstName", "middleName", "lastName"))
            whole = " ".join(part for part in parts if part)
        if whole:
            # The first alias is the entry's main name; the FSF marks unreliable spellings as not strong.
            weak = (attribute(alias, "strong") or "true").lower() == "false"
            names.append(make_listed_name(whole, is_alias=bool(names), is_weak=weak))
    return names


def _read_birth_date(element: etree._Element) -> tuple[BirthDate, ...]:
    circa = (attribute(element, "circa") or "").lower() == "true"
    prefix = "circa " if circa else ""
    full = attribute(element, "birthdate")
    if full:
        return parse_birth_dates(prefix + full)
    year = attribute(element, "year")
    if year is None:
        return ()
    month, day = attribute(element, "monthOfYear"), attribute(element, "dayOfMonth")
    parts = [year] + ([f"{int(month):02d}"] if month and month.isdigit() else [])
    if len(parts) == 2 and day and day.isdigit():
        parts.append(f"{int(day):02d}")
    return parse_birth_dates(prefix + "-".join(parts))


def _read_entry(element: etree._Element, version: str) -> ListEntry | None:
    entry_id = attribute(element, "euReferenceNumber") or attribute(element, "logicalId")
    names = _read_names(element)
    if entry_id is None or not names:
        return None
    kind = SubjectKind.UNKNOWN
    for subject_type in children(element, "subjectType"):
        kind = _KINDS.get((attribute(subject_type, "code") or "").lower(), SubjectKind.UNKNOWN)
    birth_dates = [date for item in children(element, "birthdate") for date in _read_birth_date(item)]
    countries = [
        attribute(item, "countryIso2Code") or attribute(item, "countryDescription") or ""
        for item in children(element, "citizenship")
    ]
    programmes = [attribute(item, "programme") or "" for item in children(element, "regulation")]
    documents = [
        ListedDocument(
            attribute(item, "identificationTypeDescription") or attribute(item, "identificationTypeCode") or "",
            number,
            document_country(attribute(item, "countryIso2Code") or attribute(item, "countryDescription")),
        )
        for item in children(element, "identification")
        if (number := attribute(item, "number"))
    ]
    return ListEntry(
        source=ListSource.EU_FSF,
        list_version=version,
        entry_id=entry_id,
        kind=kind,
        names=tuple(names),
        birth_dates=tuple(dict.fromkeys(birth_dates)),
        nationalities=tuple(dict.fromkeys(normalise_country(c) for c in countries if c and c != "00")),
        programmes=tuple(dict.fromkeys(p for p in programmes if p)),
        documents=tuple(documents),
    )


def parse_eu_fsf(source: XmlSource) -> SanctionsList:
    """Read the EU consolidated financial sanctions list into typed entries, streaming so that memory stays flat."""
    records = stream_records(source, "export", frozenset({"sanctionEntity"}))
    root = next(records)
    version = attribute(root, "generationDate") or attribute(root, "globalFileId") or "unknown"
    entries = [entry for element in records if (entry := _read_entry(element, version)) is not None]
    return SanctionsList(source=ListSource.EU_FSF, version=version, entries=tuple(entries))
