"""Reader for the UN Security Council consolidated sanctions list (`consolidated.xml`)."""

from lxml import etree

from services.eligibility.screening.engine.dates import expand_year_range, parse_birth_dates
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
    child_text,
    children,
    local_name,
    stream_records,
)
from services.eligibility.screening.engine.parsers.territory import document_country, normalise_country

_NAME_FIELDS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _read_names(element: etree._Element, alias_tag: str) -> list[ListedName]:
    primary = " ".join(part for field in _NAME_FIELDS if (part := child_text(element, field)))
    names = [make_listed_name(primary)] if primary else []
    original = child_text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        names.append(make_listed_name(original, is_alias=True))
    for alias in children(element, alias_tag):
        text = child_text(alias, "ALIAS_NAME")
        if text:
            weak = (child_text(alias, "QUALITY") or "").lower().startswith("low")
            names.append(make_listed_name(text, is_alias=True, is_weak=weak))
    return names


def _read_birth_date(element: etree._Element) -> tuple[BirthDate, ...]:
    kind = (child_text(element, "TYPE_OF_DATE") or "EXACT").upper()
    if kind == "BETWEEN":
        first, last = child_text(element, "FROM_YEAR"), child_text(element, "TO_YEAR")
        if first and last and first.isdigit() and last.isdigit():
            return expand_year_range(int(first), int(last))
        return ()
    prefix = "circa " if kind.startswith("APPROX") else ""
    text = child_text(element, "DATE") or child_text(element, "YEAR")
    return parse_birth_dates(prefix + text) if text else ()


def _read_entry(element: etree._Element, version: str) -> ListEntry | None:
    is_person = local_name(element) == "INDIVIDUAL"
    entry_id = child_text(element, "REFERENCE_NUMBER") or child_text(element, "DATAID")
    names = _read_names(element, "INDIVIDUAL_ALIAS" if is_person else "ENTITY_ALIAS")
    if entry_id is None or not names:
        return None
    birth_dates = [d for item in children(element, "INDIVIDUAL_DATE_OF_BIRTH") for d in _read_birth_date(item)]
    countries = [
        (value.text or "").strip() for item in children(element, "NATIONALITY") for value in children(item, "VALUE")
    ]
    programme = child_text(element, "UN_LIST_TYPE")
    documents = [
        ListedDocument(
            child_text(item, "TYPE_OF_DOCUMENT") or "",
            number,
            document_country(child_text(item, "ISSUING_COUNTRY") or child_text(item, "COUNTRY_OF_ISSUE")),
        )
        for item in children(element, "INDIVIDUAL_DOCUMENT")
        if (number := child_text(item, "NUMBER"))
    ]
    return ListEntry(
        source=ListSource.UN_SC,
        list_version=version,
        entry_id=entry_id,
        kind=SubjectKind.PERSON if is_person else SubjectKind.ORGANISATION,
        names=tuple(names),
        birth_dates=tuple(dict.fromkeys(birth_dates)),
        nationalities=tuple(dict.fromkeys(normalise_country(c) for c in countries if c)),
        programmes=(programme,) if programme else (),
        documents=tuple(documents),
    )


def parse_un_consolidated(source: XmlSource) -> SanctionsList:
    """Read the UN consolidated sanctions list into typed entries, streaming so that memory stays flat."""
    records = stream_records(source, "CONSOLIDATED_LIST", frozenset({"INDIVIDUAL", "ENTITY"}))
    root = next(records)
    version = attribute(root, "dateGenerated") or "unknown"
    entries = [entry for element in records if (entry := _read_entry(element, version)) is not None]
    return SanctionsList(source=ListSource.UN_SC, version=version, entries=tuple(entries))
