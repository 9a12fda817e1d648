"""Reader for the OFAC Specially Designated Nationals list in its published `sdn.xml` format."""

import contextlib
import dataclasses
from datetime import datetime

from lxml import etree

from services.eligibility.screening.engine.dates import parse_birth_dates
from services.eligibility.screening.engine.errors import SanctionsListUnreadable
from services.eligibility.screening.engine.model import (
    BirthDate,
    ListedDocument,
    ListEntry,
    ListSource,
    SanctionsList,
    SubjectKind,
    make_listed_name,
)
from services.eligibility.screening.engine.parsers._xml import (
    XmlSource,
    child_text,
    children,
    local_name,
    stream_records,
)
from services.eligibility.screening.engine.parsers.territory import document_country, normalise_country

_KINDS = {
    "individual": SubjectKind.PERSON,
    "entity": SubjectKind.ORGANISATION,
    "vessel": SubjectKind.VESSEL,
    "aircraft": SubjectKind.AIRCRAFT,
}


def _join_name(element: etree._Element) -> str:
    """OFAC splits a name into first and last name; screening wants it whole, given names first."""
    parts = (child_text(element, "firstName"), child_text(element, "lastName"))
    return " ".join(part for part in parts if part)


def _listed(element: etree._Element, list_name: str, item_name: str, field: str) -> list[str]:
    values: list[str] = []
    for container in children(element, list_name):
        for item in children(container, item_name):
            value = child_text(item, field)
            if value:
                values.append(value)
    return values


def _read_entry(element: etree._Element, version: str) -> ListEntry | None:
    entry_id = child_text(element, "uid")
    primary = _join_name(element)
    if entry_id is None or not primary:
        return None
    names = [make_listed_name(primary)]
    for container in children(element, "akaList"):
        for aka in children(container, "aka"):
            alias = _join_name(aka)
            if alias:
                weak = (child_text(aka, "category") or "").lower() == "weak"
                names.append(make_listed_name(alias, is_alias=True, is_weak=weak))
    birth_dates: list[BirthDate] = []
    for text in _listed(element, "dateOfBirthList", "dateOfBirthItem", "dateOfBirth"):
        birth_dates.extend(parse_birth_dates(text))
    countries = _listed(element, "nationalityList", "nationality", "country")
    countries += _listed(element, "citizenshipList", "citizenship", "country")
    return ListEntry(
        source=ListSource.OFAC_SDN,
        list_version=version,
        entry_id=entry_id,
        kind=_KINDS.get((child_text(element, "sdnType") or "").lower(), SubjectKind.UNKNOWN),
        names=tuple(names),
        birth_dates=tuple(dict.fromkeys(birth_dates)),
        nationalities=tuple(dict.fromkeys(normalise_country(country) for country in countries)),
        programmes=tuple(_listed_programmes(element)),
        documents=tuple(_listed_documents(element)),
    )


def _listed_documents(element: etree._Element) -> list[ListedDocument]:
    documents = []
    for container in children(element, "idList"):
        for item in children(container, "id"):
            number, kind = child_text(item, "idNumber"), child_text(item, "idType") or ""
            if number:
                documents.append(ListedDocument(kind, number, document_country(child_text(item, "idCountry"))))
    return documents


def _listed_programmes(element: etree._Element) -> list[str]:
    return [
        (program.text or "").strip()
        for container in children(element, "programList")
        for program in children(container, "program")
        if (program.text or "").strip()
    ]


def _read_version(element: etree._Element) -> tuple[str, int | None]:
    """Return the publish date as an ISO date and the record count the file announces."""
    published = child_text(element, "Publish_Date") or "unknown"
    with contextlib.suppress(ValueError):
        published = datetime.strptime(published, "%m/%d/%Y").date().isoformat()
    count = child_text(element, "Record_Count")
    return published, int(count) if count and count.isdigit() else None


def parse_ofac_sdn(source: XmlSource) -> SanctionsList:
    """Read an OFAC SDN list (`sdn.xml`) into typed entries, streaming so that memory stays flat."""
    version = "unknown"
    announced: int | None = None
    entries: list[ListEntry] = []
    records = stream_records(source, "sdnList", frozenset({"sdnEntry", "publshInformation"}))
    next(records)
    for element in records:
        if local_name(element) == "publshInformation":
            version, announced = _read_version(element)
            continue
        entry = _read_entry(element, version)
        if entry is not None:
            entries.append(entry)
    if announced is not None and announced != len(entries):
        raise SanctionsListUnreadable(f"the file announces {announced} entries but holds {len(entries)}")
    # The publication header normally comes first; when it does not, stamp the version afterwards.
    stamped = tuple(e if e.list_version == version else dataclasses.replace(e, list_version=version) for e in entries)
    return SanctionsList(source=ListSource.OFAC_SDN, version=version, entries=stamped)
