"""Fixtures for the sanctions screening tests: the sample lists and small hand-built entries."""

from pathlib import Path

import pytest

from services.eligibility.screening.engine import (
    BirthDate,
    ListEntry,
    ListSource,
    SanctionsList,
    ScreeningIndex,
    SubjectKind,
    build_screening_index,
    parse_eu_fsf,
    parse_ofac_sdn,
    parse_un_consolidated,
)
from services.eligibility.screening.engine.model import make_listed_name

DATA = Path(__file__).parent / "data"


def make_entry(
    entry_id: str,
    *names: str,
    born: BirthDate | None = None,
    kind: SubjectKind = SubjectKind.PERSON,
) -> ListEntry:
    """Build a list entry whose first name is the main one and the rest aliases."""
    return ListEntry(
        source=ListSource.OFAC_SDN,
        list_version="test",
        entry_id=entry_id,
        kind=kind,
        names=tuple(make_listed_name(name, is_alias=i > 0) for i, name in enumerate(names)),
        birth_dates=(born,) if born else (),
    )


def make_list(*entries: ListEntry) -> SanctionsList:
    """Wrap entries into one list issue."""
    return SanctionsList(source=ListSource.OFAC_SDN, version="test", entries=entries)


@pytest.fixture(scope="session")
def sample_lists() -> list[SanctionsList]:
    """The three sample files, one per published format."""
    return [
        parse_ofac_sdn(DATA / "ofac_sdn_sample.xml"),
        parse_eu_fsf(DATA / "eu_fsf_sample.xml"),
        parse_un_consolidated(DATA / "un_consolidated_sample.xml"),
    ]


@pytest.fixture(scope="session")
def sample_index(sample_lists: list[SanctionsList]) -> ScreeningIndex:
    """An index over the three sample files."""
    return build_screening_index(sample_lists)
