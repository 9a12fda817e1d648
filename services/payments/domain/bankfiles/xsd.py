"""The ISO 20022 message versions payments speaks, their namespaces and their official schemas."""

from functools import cache
from importlib.resources import files
from typing import TypeVar

from lxml import etree

from services.payments.domain.errors import InvalidBankFile
from shared.schemas.payments import CreditTransferVersion, StatementVersion

_Version = TypeVar("_Version", CreditTransferVersion, StatementVersion)

__all__ = [
    "CreditTransferVersion",
    "StatementVersion",
    "assert_valid",
    "message_of",
    "namespace_of",
    "parse_xml",
    "validated_version",
]

_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"


def namespace_of(version: CreditTransferVersion | StatementVersion) -> str:
    """The XML namespace of a message version, e.g. `urn:iso:std:iso:20022:tech:xsd:pain.001.001.09`."""
    return f"{_NAMESPACE_PREFIX}{version.value}"


def message_of(document: etree._Element) -> str | None:
    """The message version a document declares by its namespace (`camt.053.001.08`), or None."""
    namespace = etree.QName(document).namespace or ""
    return namespace.removeprefix(_NAMESPACE_PREFIX) if namespace.startswith(_NAMESPACE_PREFIX) else None


def parse_xml(xml: bytes) -> etree._Element:
    """Parse a bank file without resolving entities or touching the network."""
    try:
        return etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise InvalidBankFile(f"not well-formed XML: {error}") from None


def assert_valid(document: etree._Element, version: CreditTransferVersion | StatementVersion) -> None:
    """Raise InvalidBankFile unless the document is valid against the official schema of `version`."""
    try:
        _schema(version.value).assertValid(document)
    except etree.DocumentInvalid as error:
        raise InvalidBankFile(f"{version.value} schema violation: {error}") from None


@cache
def _schema(message: str) -> etree.XMLSchema:
    source = files("services.payments.domain.bankfiles").joinpath(f"schemas/{message}.xsd")
    return etree.XMLSchema(etree.fromstring(source.read_bytes()))


def validated_version(document: etree._Element, versions: type[_Version]) -> _Version:
    """The version among `versions` a document declares, once it is valid against that version's XSD."""
    declared = message_of(document)
    try:
        version = versions(declared or "")
    except ValueError:
        supported = ", ".join(v.value for v in versions)
        raise InvalidBankFile(
            f"{declared or 'a document without an ISO 20022 namespace'} is not a version read here; send {supported}"
        ) from None
    assert_valid(document, version)
    return version
