"""Build ISO 20022 pain.001.001.03 credit-transfer batches and validate them against the XSD."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from itertools import groupby

from lxml import etree

from services.payments.domain.errors import InvalidBankFile
from services.payments.domain.iban import normalize_bic, normalize_iban
from services.payments.domain.money import Money

PAIN001_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
_NS = f"{{{PAIN001_NAMESPACE}}}"


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


def build_pain001(batch: PaymentBatch) -> bytes:
    """Return the batch as pain.001.001.03 XML, one payment information block per currency."""
    if not batch.transfers:
        raise InvalidBankFile("a credit-transfer batch needs at least one transfer")
    root = etree.Element(f"{_NS}Document", nsmap={None: PAIN001_NAMESPACE})  # type: ignore[dict-item]
    initiation = _child(root, "CstmrCdtTrfInitn")
    header = _child(initiation, "GrpHdr")
    _child(header, "MsgId", batch.message_id)
    _child(header, "CreDtTm", batch.created_at.replace(microsecond=0).isoformat())
    _child(header, "NbOfTxs", str(len(batch.transfers)))
    _child(header, "CtrlSum", _control_sum(batch.transfers))
    _child(_child(header, "InitgPty"), "Nm", batch.debtor.name)
    ordered = sorted(batch.transfers, key=lambda transfer: transfer.amount.currency)
    for currency, group in groupby(ordered, key=lambda transfer: transfer.amount.currency):
        _add_payment_information(initiation, batch, currency, list(group))
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate_pain001(xml)
    return xml


def validate_pain001(xml: bytes) -> None:
    """Raise InvalidBankFile unless the XML is valid against the official pain.001.001.03 schema."""
    try:
        document = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise InvalidBankFile(f"not well-formed XML: {error}") from None
    try:
        _pain001_schema().assertValid(document)
    except etree.DocumentInvalid as error:
        raise InvalidBankFile(f"pain.001 schema violation: {error}") from None


@cache
def _pain001_schema() -> etree.XMLSchema:
    source = files("services.payments.domain.bankfiles").joinpath("schemas/pain.001.001.03.xsd")
    return etree.XMLSchema(etree.fromstring(source.read_bytes()))


def _add_payment_information(
    initiation: etree._Element,
    batch: PaymentBatch,
    currency: str,
    transfers: list[CreditTransfer],
) -> None:
    info = _child(initiation, "PmtInf")
    _child(info, "PmtInfId", f"{batch.message_id[:31]}-{currency}")
    _child(info, "PmtMtd", "TRF")
    _child(info, "NbOfTxs", str(len(transfers)))
    _child(info, "CtrlSum", _control_sum(transfers))
    _child(info, "ReqdExctnDt", batch.execution_date.isoformat())
    _child(_child(info, "Dbtr"), "Nm", batch.debtor.name)
    _add_account(info, "DbtrAcct", batch.debtor.iban, currency)
    _add_agent(info, "DbtrAgt", batch.debtor.bic)
    _child(info, "ChrgBr", "SLEV")
    for transfer in transfers:
        _add_transfer(info, transfer)


def _add_transfer(info: etree._Element, transfer: CreditTransfer) -> None:
    element = _child(info, "CdtTrfTxInf")
    _child(_child(element, "PmtId"), "EndToEndId", transfer.end_to_end_id)
    amount = _child(_child(element, "Amt"), "InstdAmt", transfer.amount.format_plain())
    amount.set("Ccy", transfer.amount.currency)
    if transfer.creditor.bic:
        _add_agent(element, "CdtrAgt", transfer.creditor.bic)
    _child(_child(element, "Cdtr"), "Nm", transfer.creditor.name)
    _add_account(element, "CdtrAcct", transfer.creditor.iban, None)
    if transfer.remittance:
        _child(_child(element, "RmtInf"), "Ustrd", transfer.remittance)


def _add_account(parent: etree._Element, tag: str, iban: str, currency: str | None) -> None:
    account = _child(parent, tag)
    _child(_child(account, "Id"), "IBAN", normalize_iban(iban))
    if currency:
        _child(account, "Ccy", currency)


def _add_agent(parent: etree._Element, tag: str, bic: str | None) -> None:
    institution = _child(_child(parent, tag), "FinInstnId")
    if bic:
        _child(institution, "BIC", normalize_bic(bic))
    else:
        # The schema allows an agent without BIC; SEPA banks expect this marker.
        _child(_child(institution, "Othr"), "Id", "NOTPROVIDED")


def _control_sum(transfers: Sequence[CreditTransfer]) -> str:
    return str(sum((transfer.amount.to_decimal() for transfer in transfers), Decimal(0)))


def _child(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{_NS}{tag}")
    if text is not None:
        element.text = text
    return element
