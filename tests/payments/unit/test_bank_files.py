from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from services.payments.domain.bankfiles.camt053 import EntryOutcome, parse_camt053
from services.payments.domain.bankfiles.pain001 import (
    BankParty,
    CreditTransfer,
    PaymentBatch,
    build_pain001,
    validate_pain001,
)
from services.payments.domain.bankfiles.xsd import (
    CreditTransferVersion,
    StatementVersion,
    assert_valid,
    namespace_of,
    parse_xml,
)
from services.payments.domain.errors import InvalidBankFile, InvalidBic, InvalidIban
from services.payments.domain.iban import normalize_bic, normalize_iban
from services.payments.domain.money import Money

DEBTOR = BankParty("Programme Treasury", "DE89 3704 0044 0532 0130 00", "COBADEFFXXX")
STATEMENTS = Path(__file__).parent / "statements"
PAIN_VERSIONS = list(CreditTransferVersion)
CAMT_VERSIONS = list(StatementVersion)


def make_batch(*transfers: CreditTransfer) -> PaymentBatch:
    return PaymentBatch(
        message_id="BATCH-2026-11-26-1",
        created_at=datetime(2026, 11, 26, 12, 30, 15, 123, tzinfo=UTC),
        execution_date=date(2026, 11, 27),
        debtor=DEBTOR,
        transfers=transfers,
    )


def make_transfer(e2e: str, amount: Money, bic: str | None = None) -> CreditTransfer:
    creditor = BankParty("Beneficiary B-7f3a", "GB82 WEST 1234 5698 7654 32", bic)
    return CreditTransfer(e2e, amount, creditor, remittance=f"payout {e2e}")


def three_currency_batch() -> PaymentBatch:
    return make_batch(
        make_transfer("PO-1", Money(250_000, "EUR"), "DEUTDEFF"),
        make_transfer("PO-2", Money(1_000, "JPY")),
        make_transfer("PO-3", Money(50, "KWD")),
    )


@pytest.mark.parametrize("version", PAIN_VERSIONS)
def test_pain001_batch_is_valid_against_the_official_schema(version: CreditTransferVersion) -> None:
    xml = build_pain001(three_currency_batch(), version)
    assert validate_pain001(xml) is version
    ns = {"p": namespace_of(version)}
    document = etree.fromstring(xml)
    assert document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "3"
    blocks = document.findall("p:CstmrCdtTrfInitn/p:PmtInf", namespaces=ns)
    assert [b.findtext("p:DbtrAcct/p:Ccy", namespaces=ns) for b in blocks] == ["EUR", "JPY", "KWD"]
    amounts = document.findall(".//p:InstdAmt", namespaces=ns)
    assert [(a.get("Ccy"), a.text) for a in amounts] == [("EUR", "2500.00"), ("JPY", "1000"), ("KWD", "0.050")]
    assert [e.text for e in document.iterfind(".//p:EndToEndId", namespaces=ns)] == ["PO-1", "PO-2", "PO-3"]


def test_pain001_09_names_bics_bicfi_and_dates_execution_as_a_choice() -> None:
    old, new = (etree.fromstring(build_pain001(three_currency_batch(), v)) for v in PAIN_VERSIONS)
    v03, v09 = ({"p": namespace_of(v)} for v in PAIN_VERSIONS)
    assert old.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:ReqdExctnDt", namespaces=v03) == "2026-11-27"
    assert new.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:ReqdExctnDt/p:Dt", namespaces=v09) == "2026-11-27"
    assert [e.text for e in old.iterfind(".//p:FinInstnId/p:BIC", namespaces=v03)] == [
        "COBADEFFXXX",
        "DEUTDEFF",
        "COBADEFFXXX",
        "COBADEFFXXX",
    ]
    assert [e.text for e in new.iterfind(".//p:FinInstnId/p:BICFI", namespaces=v09)] == [
        "COBADEFFXXX",
        "DEUTDEFF",
        "COBADEFFXXX",
        "COBADEFFXXX",
    ]
    assert new.find(".//p:BIC", namespaces=v09) is None


@pytest.mark.parametrize("version", PAIN_VERSIONS)
def test_a_file_of_one_version_is_invalid_under_the_others_schema(version: CreditTransferVersion) -> None:
    (other,) = (v for v in PAIN_VERSIONS if v is not version)
    xml = build_pain001(three_currency_batch(), version)
    relabelled = xml.replace(version.value.encode(), other.value.encode())
    with pytest.raises(InvalidBankFile, match="schema violation"):
        validate_pain001(relabelled)


@pytest.mark.parametrize("version", PAIN_VERSIONS)
def test_a_file_that_breaks_the_schema_is_rejected(version: CreditTransferVersion) -> None:
    xml = build_pain001(make_batch(make_transfer("PO-1", Money(100, "EUR"))), version)
    broken = xml.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>CASH</PmtMtd>")
    with pytest.raises(InvalidBankFile):
        validate_pain001(broken)
    too_long_id = make_transfer("X" * 36, Money(100, "EUR"))
    with pytest.raises(InvalidBankFile):
        build_pain001(make_batch(too_long_id), version)


def test_a_pain001_version_we_do_not_write_is_not_accepted_as_valid() -> None:
    xml = build_pain001(three_currency_batch(), CreditTransferVersion.v09)
    with pytest.raises(InvalidBankFile, match=r"pain\.001\.001\.12"):
        validate_pain001(xml.replace(b"pain.001.001.09", b"pain.001.001.12"))


@pytest.mark.parametrize("version", PAIN_VERSIONS)
def test_an_empty_batch_is_refused(version: CreditTransferVersion) -> None:
    with pytest.raises(InvalidBankFile):
        build_pain001(make_batch(), version)


def test_a_bad_creditor_iban_is_refused_before_any_file_is_written() -> None:
    bad = CreditTransfer("PO-1", Money(1, "EUR"), BankParty("B", "DE89 3704 0044 0532 0130 01"))
    with pytest.raises(InvalidIban):
        build_pain001(make_batch(bad), CreditTransferVersion.v09)


def test_ibans_are_validated_and_compacted() -> None:
    assert normalize_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    for bad in ["", "NL91ABNA0417164301", "XX00123", "DE89370400440532013000EXTRA"]:
        with pytest.raises(InvalidIban):
            normalize_iban(bad)
    assert normalize_bic("deutdeff") == "DEUTDEFF"
    with pytest.raises(InvalidBic):
        normalize_bic("NOTABIC!")


def sample_statement(version: StatementVersion) -> bytes:
    return (STATEMENTS / f"{version.value}.xml").read_bytes()


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_the_sample_statements_are_valid_against_their_official_schema(version: StatementVersion) -> None:
    assert_valid(parse_xml(sample_statement(version)), version)
    (other,) = (v for v in CAMT_VERSIONS if v is not version)
    with pytest.raises(InvalidBankFile, match="schema violation"):
        parse_camt053(sample_statement(version).replace(version.value.encode(), other.value.encode()))


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_camt053_yields_settled_and_returned_payments_by_end_to_end_id(version: StatementVersion) -> None:
    statement = parse_camt053(sample_statement(version))
    assert statement.version is version
    entries = {entry.end_to_end_id: entry for entry in statement.entries}
    # PO9 is pending and the contribution names no end-to-end id: neither is read.
    assert list(entries) == ["PO1", "PO2", "PO4", "PO5", "PO6"]
    assert entries["PO1"].outcome is EntryOutcome.SETTLED
    assert entries["PO1"].amount == Money(250_000, "EUR")
    assert entries["PO1"].booked_on == date(2026, 11, 27)
    assert entries["PO2"].outcome is EntryOutcome.RETURNED
    assert (entries["PO2"].return_reason, entries["PO2"].amount) == ("AC04", Money(12_000, "EUR"))
    assert [(entries[e].outcome, entries[e].amount) for e in ("PO4", "PO5")] == [
        (EntryOutcome.SETTLED, Money(1_000, "EUR")),
        (EntryOutcome.SETTLED, Money(2_000, "EUR")),
    ]
    assert (entries["PO6"].outcome, entries["PO6"].return_reason) == (EntryOutcome.RETURNED, None)


def test_both_statement_versions_of_one_day_read_the_same() -> None:
    v02, v08 = (parse_camt053(sample_statement(v)).entries for v in CAMT_VERSIONS)
    assert v02 == v08


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_a_reversed_debit_marks_the_payment_returned(version: StatementVersion) -> None:
    settled = sample_statement(version)
    booked = b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>"
    reversed_entry = settled.replace(booked, b"<CdtDbtInd>DBIT</CdtDbtInd>\n<RvslInd>true</RvslInd><Sts>", 1)
    assert reversed_entry != settled
    entries = {entry.end_to_end_id: entry for entry in parse_camt053(reversed_entry).entries}
    assert entries["PO1"].outcome is EntryOutcome.RETURNED


def test_a_transaction_direction_in_version_08_overrides_the_entrys() -> None:
    v08 = sample_statement(StatementVersion.v08)
    # A batch entry booked as a debit whose one transaction the bank reports as a credit (a return).
    turned = v08.replace(
        b'<Amt Ccy="EUR">10.00</Amt>\n            <CdtDbtInd>DBIT</CdtDbtInd>',
        b'<Amt Ccy="EUR">10.00</Amt>\n            <CdtDbtInd>CRDT</CdtDbtInd>',
    )
    assert turned != v08
    entries = {entry.end_to_end_id: entry for entry in parse_camt053(turned).entries}
    assert (entries["PO4"].outcome, entries["PO5"].outcome) == (EntryOutcome.RETURNED, EntryOutcome.SETTLED)


@pytest.mark.parametrize(
    "xml",
    [
        b"<not-xml",
        b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'><CstmrCdtTrfInitn/></Document>",
        (STATEMENTS / "camt.053.001.02.xml").read_bytes().replace(b"camt.053.001.02", b"camt.053.001.04"),
        (STATEMENTS / "camt.053.001.02.xml").read_bytes().replace(b"<Acct>", b"<Acct><Nm>x</Nm>"),
        (STATEMENTS / "camt.053.001.08.xml").read_bytes().replace(b">2500.00<", b">2500.001<"),
        (STATEMENTS / "camt.053.001.08.xml").read_bytes().replace(b'<Amt Ccy="EUR">120.00', b'<Amt Ccy="XYZ">120.00'),
    ],
    ids=["not-xml", "pain-not-camt", "unsupported-version", "schema-violation", "too-precise", "unknown-currency"],
)
def test_malformed_statements_are_rejected(xml: bytes) -> None:
    with pytest.raises(InvalidBankFile):
        parse_camt053(xml)
