"""Each reader understands its list's published XML structure, and refuses files it cannot trust."""

import io
from pathlib import Path

import pytest

from services.eligibility.screening.engine import (
    BirthDate,
    ListedDocument,
    ListSource,
    SanctionsList,
    SanctionsListUnreadable,
    SubjectKind,
    parse_eu_fsf,
    parse_ofac_sdn,
    parse_sanctions_list,
    parse_un_consolidated,
)
from tests.eligibility.screening.conftest import DATA


def test_ofac_reader_reads_entries_aliases_dates_and_programmes() -> None:
    sdn = parse_ofac_sdn(DATA / "ofac_sdn_sample.xml")
    assert (sdn.source, sdn.version) == (ListSource.OFAC_SDN, "2026-09-16")
    assert [entry.entry_id for entry in sdn.entries] == ["90001", "90002", "90003"]
    shoigu = sdn.entries[0]
    assert shoigu.kind is SubjectKind.PERSON
    assert [name.full_name for name in shoigu.names] == ["Sergei Kuzhugetovich SHOIGU", "Sergey SHOYGU", "SCHOIGU"]
    assert [(name.is_alias, name.is_weak) for name in shoigu.names] == [(False, False), (True, False), (True, True)]
    assert shoigu.birth_dates == (BirthDate(1955, 5, 21),)
    assert shoigu.nationalities == ("ru",)
    assert shoigu.programmes == ("RUSSIA-EO14024", "UKRAINE-EO13660")
    assert all(entry.list_version == "2026-09-16" for entry in sdn.entries)


def test_ofac_reader_keeps_approximate_dates_and_ranges_as_approximate_years() -> None:
    kovalenko = parse_ofac_sdn(DATA / "ofac_sdn_sample.xml").entries[1]
    assert {(d.year, d.approximate) for d in kovalenko.birth_dates} == {(1968, True), (1970, True), (1971, True)}
    assert kovalenko.nationalities == ("by",)


def test_ofac_reader_marks_vessels_as_not_persons() -> None:
    assert parse_ofac_sdn(DATA / "ofac_sdn_sample.xml").entries[2].kind is SubjectKind.VESSEL


def test_eu_reader_reads_aliases_in_each_script_with_their_strength() -> None:
    eu = parse_eu_fsf(DATA / "eu_fsf_sample.xml")
    assert (eu.source, eu.version) == (ListSource.EU_FSF, "2026-09-15T18:02:11.125+02:00")
    shoigu = eu.entries[0]
    assert shoigu.entry_id == "EU.9001.01"
    assert [(name.full_name, name.script, name.is_weak) for name in shoigu.names] == [
        ("Sergei Kuzhugetovich Shoigu", "Latin", False),
        ("Сергей Кужугетович Шойгу", "Cyrillic", False),
        ("Sergej Schoigu", "Latin", False),
        ("Sergueï Choïgou", "Latin", True),
    ]
    assert shoigu.birth_dates == (BirthDate(1955, 5, 21),)
    assert (shoigu.nationalities, shoigu.programmes) == (("ru",), ("UKR",))


def test_eu_reader_reads_circa_years_and_enterprises() -> None:
    eu = parse_eu_fsf(DATA / "eu_fsf_sample.xml")
    assert eu.entries[1].birth_dates == (BirthDate(1979, approximate=True),)
    assert eu.entries[2].kind is SubjectKind.ORGANISATION


def test_un_reader_reads_names_original_script_aliases_and_dates() -> None:
    un = parse_un_consolidated(DATA / "un_consolidated_sample.xml")
    assert (un.source, un.version) == (ListSource.UN_SC, "2026-09-14T10:00:05.317Z")
    assert [entry.entry_id for entry in un.entries] == ["XXi.001", "XXi.002", "XXe.001"]
    khrushchev = un.entries[0]
    assert [(name.full_name, name.script, name.is_weak) for name in khrushchev.names] == [
        ("DMITRI ALEKSEYEVICH KHRUSHCHEV", "Latin", False),
        ("Дмитрий Алексеевич Хрущёв", "Cyrillic", False),
        ("Dmitrij Chruschtschow", "Latin", False),
        ("Dima", "Latin", True),
    ]
    assert khrushchev.birth_dates == (BirthDate(1971, 8, 3),)
    assert khrushchev.nationalities == ("ru",)
    assert khrushchev.programmes == ("Example",)


def test_un_reader_expands_year_ranges_and_reads_entities() -> None:
    un = parse_un_consolidated(DATA / "un_consolidated_sample.xml")
    assert [d.year for d in un.entries[1].birth_dates] == [1980, 1981, 1982, 1984]
    assert all(d.approximate for d in un.entries[1].birth_dates)
    assert un.entries[2].kind is SubjectKind.ORGANISATION


@pytest.mark.parametrize(
    ("file_name", "list_source"),
    [
        ("ofac_sdn_sample.xml", ListSource.OFAC_SDN),
        ("eu_fsf_sample.xml", ListSource.EU_FSF),
        ("un_consolidated_sample.xml", ListSource.UN_SC),
    ],
)
def test_readers_accept_an_open_binary_file(file_name: str, list_source: ListSource) -> None:
    content = (DATA / file_name).read_bytes()
    from_file = parse_sanctions_list(io.BytesIO(content), list_source)
    assert from_file == parse_sanctions_list(DATA / file_name, list_source)
    assert from_file.source is list_source


def test_a_file_that_is_not_xml_is_unreadable() -> None:
    with pytest.raises(SanctionsListUnreadable, match="well-formed"):
        parse_ofac_sdn(io.BytesIO(b"<sdnList><sdnEntry><uid>1</uid>"))


def test_a_file_of_another_format_is_unreadable() -> None:
    with pytest.raises(SanctionsListUnreadable, match="<CONSOLIDATED_LIST>"):
        parse_un_consolidated(DATA / "eu_fsf_sample.xml")


def test_an_ofac_file_holding_fewer_entries_than_announced_is_unreadable(tmp_path: Path) -> None:
    truncated = (DATA / "ofac_sdn_sample.xml").read_text().replace("<Record_Count>3<", "<Record_Count>4<")
    path = tmp_path / "sdn.xml"
    path.write_text(truncated)
    with pytest.raises(SanctionsListUnreadable, match="announces 4 entries but holds 3"):
        parse_ofac_sdn(path)


def test_entity_declarations_are_not_expanded() -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE sdnList [<!ENTITY boom "SHOIGU">]>'
        b"<sdnList><sdnEntry><uid>1</uid><lastName>&boom;</lastName><sdnType>Individual</sdnType></sdnEntry></sdnList>"
    )
    entries = parse_ofac_sdn(io.BytesIO(hostile)).entries
    assert all("SHOIGU" not in name.full_name for entry in entries for name in entry.names)


def test_identity_documents_are_read_from_every_list_format(sample_lists: list[SanctionsList]) -> None:
    ofac, eu, un = sample_lists
    assert ofac.entries[0].documents == (ListedDocument("Passport", "АК 7712345", "RU"),)
    assert eu.entries[0].documents == (ListedDocument("National passport", "AK7712345", "RU"),)
    assert un.entries[0].documents == (ListedDocument("Passport", "71 0456789", "RU"),)
