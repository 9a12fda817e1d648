"""Build ISO 20022 pain.001 credit-transfer batches (version 03 or 09) and validate them against their XSD.

The two versions carry the same content here and differ in form: version 09 names an agent's BIC `BICFI`
(03: `BIC`) and wraps the requested execution date in a date-or-date-time choice (`<ReqdExctnDt><Dt>`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby

from lxml import etree

from services.payments.domain.bankfiles.xsd import (
    CreditTransferVersion,
    assert_valid,
    namespace_of,
    parse_xml,
    validated_version,
)
from services.payments.domain.errors import InvalidBankFile
from services.payments.domain.iban import normalize_bic, normalize_iban
from services.payments.domain.money import Money


@dataclass(frozen=True, slots=True)
class BankParty:
    """An account holder as a bank file names it: name, IBAN and (optionally) the bank's BIC."""

    name: str
    iban: str
    bic: str | None = None


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """One payment of a batch, identified end to end by `end_to_end_id`."""

    end_to_end_id: str
    amount: Money
    creditor: BankParty
    remittance: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentBatch:
    """A batch of credit transfers from one debtor account, to execute on one date."""

    message_id: str
    created_at: datetime
    execution_date: date
    debtor: BankParty
    transfers: Sequence[CreditTransfer]


def build_pain001(batch: PaymentBatch, version: CreditTransferVersion) -> bytes:
    """Return the batch as pain.001 XML of `version`, one payment information block per currency."""
    if not batch.transfers:
        raise InvalidBankFile("a credit-transfer batch needs at least one transfer")
    writer = _Writer(version)
    root = etree.Element(writer.tag("Document"), nsmap={None: namespace_of(version)})  # type: ignore[dict-item]
    initiation = writer.child(root, "CstmrCdtTrfInitn")
    header = writer.child(initiation, "GrpHdr")
    writer.child(header, "MsgId", batch.message_id)
    writer.child(header, "CreDtTm", batch.created_at.replace(microsecond=0).isoformat())
    writer.child(header, "NbOfTxs", str(len(batch.transfers)))
    writer.child(header, "CtrlSum", _control_sum(batch.transfers))
    writer.child(writer.child(header, "InitgPty"), "Nm", batch.debtor.name)
    ordered = sorted(batch.transfers, key=lambda transfer: transfer.amount.currency)
    for currency, group in groupby(ordered, key=lambda transfer: transfer.amount.currency):
        writer.payment_information(initiation, batch, currency, list(group))
    assert_valid(root, version)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate_pain001(xml: bytes) -> CreditTransferVersion:
    """Return the pain.001 version of the XML; raise InvalidBankFile unless it is valid against that XSD."""
    return validated_version(parse_xml(xml), CreditTransferVersion)


class _Writer:
    """Writes the elements of one pain.001 version in its namespace."""

    def __init__(self, version: CreditTransferVersion) -> None:
        self.namespace = f"{{{namespace_of(version)}}}"
        # Version 09 renamed the BIC element and made the execution date a choice of date or date-time.
        self.bic_tag = "BIC" if version is CreditTransferVersion.v03 else "BICFI"
        self.dated_choice = version is not CreditTransferVersion.v03

    def tag(self, name: str) -> str:
        return f"{self.namespace}{name}"

    def child(self, parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, self.tag(name))
        if text is not None:
            element.text = text
        return element

    def payment_information(
        self, initiation: etree._Element, batch: PaymentBatch, currency: str, transfers: list[CreditTransfer]
    ) -> None:
        info = self.child(initiation, "PmtInf")
        self.child(info, "PmtInfId", f"{batch.message_id[:31]}-{currency}")
        self.child(info, "PmtMtd", "TRF")
        self.child(info, "NbOfTxs", str(len(transfers)))
        self.child(info, "CtrlSum", _control_sum(transfers))
        execution = batch.execution_date.isoformat()
        if self.dated_choice:
            self.child(self.child(info, "ReqdExctnDt"), "Dt", execution)
        else:
            self.child(info, "ReqdExctnDt", execution)
        self.child(self.child(info, "Dbtr"), "Nm", batch.debtor.name)
        self.account(info, "DbtrAcct", batch.debtor.iban, currency)
        self.agent(info, "DbtrAgt", batch.debtor.bic)
        self.child(info, "ChrgBr", "SLEV")
        for transfer in transfers:
            self.transfer(info, transfer)

    def transfer(self, info: etree._Element, transfer: CreditTransfer) -> None:
        element = self.child(info, "CdtTrfTxInf")
        self.child(self.child(element, "PmtId"), "EndToEndId", transfer.end_to_end_id)
        amount = self.child(self.child(element, "Amt"), "InstdAmt", transfer.amount.format_plain())
        amount.set("Ccy", transfer.amount.currency)
        if transfer.creditor.bic:
            self.agent(element, "CdtrAgt", transfer.creditor.bic)
        self.child(self.child(element, "Cdtr"), "Nm", transfer.creditor.name)
        self.account(element, "CdtrAcct", transfer.creditor.iban, None)
        if transfer.remittance:
            self.child(self.child(element, "RmtInf"), "Ustrd", transfer.remittance)

    def account(self, parent: etree._Element, name: str, iban: str, currency: str | None) -> None:
        account = self.child(parent, name)
        self.child(self.child(account, "Id"), "IBAN", normalize_iban(iban))
        if currency:
            self.child(account, "Ccy", currency)

    def agent(self, parent: etree._Element, name: str, bic: str | None) -> None:
        institution = self.child(self.child(parent, name), "FinInstnId")
        if bic:
            self.child(institution, self.bic_tag, normalize_bic(bic))
        else:
            # Both schemas allow an agent without BIC; SEPA banks expect this marker.
            self.child(self.child(institution, "Othr"), "Id", "NOTPROVIDED")


def _control_sum(transfers: Sequence[CreditTransfer]) -> str:
    return str(sum((transfer.amount.to_decimal() for transfer in transfers), Decimal(0)))
