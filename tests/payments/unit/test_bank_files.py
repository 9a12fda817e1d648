from datetime import UTC, date, datetime

import pytest
from lxml import etree

from services.payments.domain.bankfiles.camt053 import EntryOutcome, parse_camt053
from services.payments.domain.bankfiles.pain001 import (
    PAIN001_NAMESPACE,
    BankParty,
    CreditTransfer,
    PaymentBatch,
    build_pain001,
    validate_pain001,
)
from services.payments.domain.errors import InvalidBankFile, InvalidBic, InvalidIban
from services.payments.domain.iban import normalize_bic, normalize_iban
from services.payments.domain.money import Money

NS = {"p": PAIN001_NAMESPACE}
DEBTOR = BankParty("Programme Treasury", "DE89 3704 0044 0532 0130 00", "COBADEFFXXX")


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


def test_pain001_batch_is_valid_against_the_official_schema() -> None:
    xml = build_pain001(
        make_batch(
            make_transfer("PO-1", Money(250_000, "EUR"), "DEUTDEFF"),
            make_transfer("PO-2", Money(1_000, "JPY")),
            make_transfer("PO-3", Money(50, "KWD")),
        )
    )
    validate_pain001(xml)
    document = etree.fromstring(xml)
    assert document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    blocks = document.findall("p:CstmrCdtTrfInitn/p:PmtInf", namespaces=NS)
    assert [b.findtext("p:DbtrAcct/p:Ccy", namespaces=NS) for b in blocks] == [
        "EUR",
        "JPY",
        "KWD",
    ]
    amounts = document.findall(".//p:InstdAmt", namespaces=NS)
    assert [(a.get("Ccy"), a.text) for a in amounts] == [
        ("EUR", "2500.00"),
        ("JPY", "1000"),
        ("KWD", "0.050"),
    ]
    assert [e.text for e in document.iterfind(".//p:EndToEndId", namespaces=NS)] == [
        "PO-1",
        "PO-2",
        "PO-3",
    ]


def test_a_file_that_breaks_the_schema_is_rejected() -> None:
    xml = build_pain001(make_batch(make_transfer("PO-1", Money(100, "EUR"))))
    broken = xml.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>CASH</PmtMtd>")
    with pytest.raises(InvalidBankFile):
        validate_pain001(broken)
    too_long_id = make_transfer("X" * 36, Money(100, "EUR"))
    with pytest.raises(InvalidBankFile):
        build_pain001(make_batch(too_long_id))


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(InvalidBankFile):
        build_pain001(make_batch())


def test_a_bad_creditor_iban_is_refused_before_any_file_is_written() -> None:
    bad = CreditTransfer("PO-1", Money(1, "EUR"), BankParty("B", "DE89 3704 0044 0532 0130 01"))
    with pytest.raises(InvalidIban):
        build_pain001(make_batch(bad))


def test_ibans_are_validated_and_compacted() -> None:
    assert normalize_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    for bad in ["", "NL91ABNA0417164301", "XX00123", "DE89370400440532013000EXTRA"]:
        with pytest.raises(InvalidIban):
            normalize_iban(bad)
    assert normalize_bic("deutdeff") == "DEUTDEFF"
    with pytest.raises(InvalidBic):
        normalize_bic("NOTABIC!")


CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-11-28T06:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>S1</Id>
   <Ntry>
    <Amt Ccy="EUR">2500.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-11-27</Dt></BookgDt>
    <NtryDtls><TxDtls><Refs><EndToEndId>PO-1</EndToEndId></Refs></TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="JPY">1000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-11-28</Dt></BookgDt>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>PO-2</EndToEndId></Refs>
     <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">9.99</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts>
    <NtryDtls><TxDtls><Refs><EndToEndId>PO-9</EndToEndId></Refs></TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-11-27</Dt></BookgDt>
    <NtryDtls>
     <TxDtls><Refs><EndToEndId>PO-4</EndToEndId></Refs>
      <AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls></TxDtls>
     <TxDtls><Refs><EndToEndId>PO-5</EndToEndId></Refs>
      <AmtDtls><TxAmt><Amt Ccy="EUR">20.00</Amt></TxAmt></AmtDtls></TxDtls>
     <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs></TxDtls>
    </NtryDtls>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>"""


def test_camt053_yields_settled_and_returned_payments_by_end_to_end_id() -> None:
    entries = {entry.end_to_end_id: entry for entry in parse_camt053(CAMT)}
    assert set(entries) == {"PO-1", "PO-2", "PO-4", "PO-5"}
    assert entries["PO-1"].outcome is EntryOutcome.SETTLED
    assert entries["PO-1"].amount == Money(250_000, "EUR")
    assert entries["PO-1"].booked_on == date(2026, 11, 27)
    assert entries["PO-2"].outcome is EntryOutcome.RETURNED
    assert entries["PO-2"].return_reason == "AC04"
    assert entries["PO-2"].amount == Money(1_000, "JPY")
    assert (entries["PO-4"].amount, entries["PO-5"].amount) == (
        Money(1_000, "EUR"),
        Money(2_000, "EUR"),
    )


def test_camt053_version_8_status_codes_are_read() -> None:
    v8 = CAMT.replace(b"camt.053.001.02", b"camt.053.001.08").replace(b"<Sts>BOOK</Sts>", b"<Sts><Cd>BOOK</Cd></Sts>")
    assert {e.end_to_end_id for e in parse_camt053(v8)} == {
        "PO-1",
        "PO-2",
        "PO-4",
        "PO-5",
    }


def test_a_reversed_debit_marks_the_payment_returned() -> None:
    first_debit = b'<Amt Ccy="EUR">2500.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
    reversed_entry = CAMT.replace(first_debit, first_debit + b"<RvslInd>true</RvslInd>")
    assert reversed_entry != CAMT
    entries = {entry.end_to_end_id: entry for entry in parse_camt053(reversed_entry)}
    assert entries["PO-1"].outcome is EntryOutcome.RETURNED


@pytest.mark.parametrize(
    "xml",
    [
        b"<not-xml",
        b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'><CstmrCdtTrfInitn/></Document>",
        CAMT.replace(b'<Amt Ccy="EUR">2500.00</Amt>', b'<Amt Ccy="EUR">2500.001</Amt>'),
        CAMT.replace(b'<Amt Ccy="JPY">1000</Amt>', b'<Amt Ccy="XYZ">1000</Amt>'),
    ],
)
def test_malformed_statements_are_rejected(xml: bytes) -> None:
    with pytest.raises(InvalidBankFile):
        parse_camt053(xml)
