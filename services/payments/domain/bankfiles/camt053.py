"""Read ISO 20022 camt.053 bank statements into settled and returned entries by end-to-end id.

Versions 02 and 08 are read, each after validation against its official XSD. Only booked entries count. An
outgoing (debit) entry settles the payment it names; a credit entry naming one of our end-to-end ids, an
entry with return information, or a reversal marks that payment returned. The versions differ in form only
where it matters here: version 08 wraps the entry status in `<Sts><Cd>` and may state a transaction's own
amount and direction in `TxDtls`.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lxml import etree

from services.payments.domain.bankfiles.xsd import StatementVersion, parse_xml, validated_version
from services.payments.domain.errors import InvalidBankFile, PaymentsDomainError
from services.payments.domain.money import Money, money_from_decimal

_NOT_PROVIDED = "NOTPROVIDED"


class EntryOutcome(StrEnum):
    """What a statement entry says happened to a payment."""

    SETTLED = "settled"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One payment's outcome as the bank booked it."""

    end_to_end_id: str
    outcome: EntryOutcome
    amount: Money
    booked_on: date | None
    return_reason: str | None


@dataclass(frozen=True, slots=True)
class Statement:
    """A schema-valid statement: its message version and its booked transactions."""

    version: StatementVersion
    entries: list[StatementEntry]


def parse_camt053(xml: bytes) -> Statement:
    """Return every booked transaction of the statement that carries an end-to-end id."""
    root = parse_xml(xml)
    version = validated_version(root, StatementVersion)
    entries: list[StatementEntry] = []
    for entry in root.iter("{*}Ntry"):
        if _status_of(entry) != "BOOK":
            continue
        entries.extend(_read_entry(entry))
    return Statement(version, entries)


def _read_entry(entry: etree._Element) -> list[StatementEntry]:
    entry_direction = _text(entry, "CdtDbtInd")
    reversal = (_text(entry, "RvslInd") or "").lower() == "true"
    booked_on = _booking_date(entry)
    entry_amount = _first(entry, "Amt")
    details = list(entry.iterfind("{*}NtryDtls/{*}TxDtls"))
    results: list[StatementEntry] = []
    for detail in details:
        end_to_end_id = _text(detail, "Refs/{*}EndToEndId")
        if not end_to_end_id or end_to_end_id == _NOT_PROVIDED:
            continue
        reason = _text(detail, "RtrInf/{*}Rsn/{*}Cd") or _text(detail, "RtrInf/{*}Rsn/{*}Prtry")
        direction = _text(detail, "CdtDbtInd") or entry_direction
        returned = reversal or direction == "CRDT" or _first(detail, "RtrInf") is not None
        amount_element = _amount_of(detail, entry_amount, len(details))
        if amount_element is None:
            raise InvalidBankFile(f"no amount for end-to-end id {end_to_end_id}")
        results.append(
            StatementEntry(
                end_to_end_id=end_to_end_id,
                outcome=EntryOutcome.RETURNED if returned else EntryOutcome.SETTLED,
                amount=_read_amount(amount_element),
                booked_on=booked_on,
                return_reason=reason,
            )
        )
    return results


def _amount_of(detail: etree._Element, entry_amount: etree._Element | None, detail_count: int) -> etree._Element | None:
    for path in ("AmtDtls/{*}TxAmt/{*}Amt", "Amt"):
        found = _first(detail, path)
        if found is not None:
            return found
    # A single transaction in the entry may leave its amount to the entry itself.
    return entry_amount if detail_count == 1 else None


def _read_amount(element: etree._Element) -> Money:
    currency = element.get("Ccy")
    if not currency or not element.text:
        raise InvalidBankFile("an amount without currency or value")
    try:
        return money_from_decimal(element.text.strip(), currency)
    except PaymentsDomainError as error:
        raise InvalidBankFile(f"bad amount: {error}") from None


def _status_of(entry: etree._Element) -> str | None:
    status = _first(entry, "Sts")
    if status is None:
        return None
    # camt.053.001.02 writes the code as text; later versions wrap it in <Cd>.
    code = _text(status, "Cd")
    return code if code else (status.text or "").strip()


def _booking_date(entry: etree._Element) -> date | None:
    text = _text(entry, "BookgDt/{*}Dt") or _text(entry, "BookgDt/{*}DtTm")
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidBankFile(f"bad booking date {text!r}") from None


def _first(element: etree._Element, path: str) -> etree._Element | None:
    return element.find(f"{{*}}{path}")


def _text(element: etree._Element, path: str) -> str | None:
    found = _first(element, path)
    if found is None or found.text is None:
        return None
    return found.text.strip()
