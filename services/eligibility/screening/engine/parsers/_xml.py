"""Streaming XML reading shared by the list parsers: one record in memory at a time."""

import os
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from services.eligibility.screening.engine.errors import SanctionsListUnreadable

XmlSource = str | os.PathLike[str] | BinaryIO


def local_name(element: etree._Element) -> str:
    """Return an element's tag without its namespace, since list publishers change namespaces between issues."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """Yield the direct children with the given local name."""
    yield from element.iterchildren("{*}" + name)


def child_text(element: etree._Element, name: str) -> str | None:
    """Return the stripped text of the first child with that local name, or None when it is absent or blank."""
    for child in children(element, name):
        text = (child.text or "").strip()
        return text or None
    return None


def attribute(element: etree._Element, name: str) -> str | None:
    """Return a stripped attribute value, or None when it is absent or blank."""
    value = element.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def stream_records(source: XmlSource, root_name: str, record_names: frozenset[str]) -> Iterator[etree._Element]:
    """Yield the root element first (attributes only), then each complete record, freeing it once consumed."""
    parser_events = ("start", "end")
    try:
        context = etree.iterparse(
            source,
            events=parser_events,
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
        )
        seen_root = False
        for event, element in context:
            if not seen_root:
                if local_name(element) != root_name:
                    raise SanctionsListUnreadable(f"expected a <{root_name}> document, found <{local_name(element)}>")
                seen_root = True
                yield element
                continue
            if event != "end" or local_name(element) not in record_names:
                continue
            yield element
            # Drop the finished record and its already-read siblings so memory stays flat.
            element.clear(keep_tail=False)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
        if not seen_root:
            raise SanctionsListUnreadable("the document is empty")
    except etree.XMLSyntaxError as error:
        raise SanctionsListUnreadable(f"not well-formed XML: {error}") from error
