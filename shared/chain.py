"""Append-only, hash-linked records: one canonical encoding, one link hash, one verifier.

A chain is a sequence of links numbered from 1. Each link's hash covers its position, the hash of the link
before it (`GENESIS_HASH` for the first) and its content, encoded as canonical JSON and prefixed by the
chain's domain tag, so that a hash made for one kind of chain never passes for another's. Editing, removing,
inserting or reordering a link breaks the chain at that link; `first_break` says where and why. Each kind of
chain names its linking fields itself (`ChainFormat`), which keeps hashes stored before this module existed
valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

GENESIS_HASH = "0" * 64


class NonCanonicalValue(ValueError):
    """A value without a single canonical JSON form: a float, a key that is not a string, or a non-JSON type."""


def canonical_json(value: object) -> bytes:
    """Encode JSON-native values (no floats) one way only: sorted keys, no spaces, UTF-8."""
    _refuse_non_canonical(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _refuse_non_canonical(value: object) -> None:
    # A float has several textual forms, so it could make one record hash two ways.
    if isinstance(value, float):
        raise NonCanonicalValue("chained records must not contain floats")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NonCanonicalValue("chained record keys must be strings")
            _refuse_non_canonical(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_non_canonical(item)
    elif value is not None and not isinstance(value, str | int | bool):
        raise NonCanonicalValue(f"chained records cannot hold {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Link:
    """One stored link: its position, the hash it follows, its own hash and the content that hash covers."""

    position: int
    previous_hash: str
    hash: str
    content: Mapping[str, object]


class BreakReason(StrEnum):
    """Why a chain is broken at a link."""

    OUT_OF_ORDER = "out_of_order"
    UNLINKED = "unlinked"
    ALTERED = "altered"


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place a chain does not hold: the position expected there and the reason."""

    position: int
    reason: BreakReason

    def describe(self, noun: str = "link") -> str:
        """A sentence for people, naming the links as `noun`: `event 3 was altered after it was recorded`."""
        what = {
            BreakReason.OUT_OF_ORDER: "is missing or out of order",
            BreakReason.UNLINKED: f"does not follow the {noun} before it",
            BreakReason.ALTERED: "was altered after it was recorded",
        }[self.reason]
        return f"{noun} {self.position} {what}"


@dataclass(frozen=True, slots=True)
class ChainFormat:
    """How one kind of chain tags its hashes and names the fields that link a record to the one before it."""

    domain: bytes
    position_field: str
    previous_field: str

    def __post_init__(self) -> None:
        if self.position_field == self.previous_field:
            raise ValueError("the position and previous-hash fields need two names")

    def link_hash(self, position: int, previous_hash: str, content: Mapping[str, object]) -> str:
        """The SHA-256 hex digest that seals `content` at `position` after the link whose hash is `previous_hash`."""
        if self.position_field in content or self.previous_field in content:
            raise NonCanonicalValue("a link's content cannot hold its own linking fields")
        hashed = {**content, self.position_field: position, self.previous_field: previous_hash}
        return hashlib.sha256(self.domain + canonical_json(hashed)).hexdigest()

    def append(self, last: Link | None, content: Mapping[str, object]) -> Link:
        """The link that follows `last` (or starts the chain) and carries `content`."""
        position = 1 if last is None else last.position + 1
        previous_hash = GENESIS_HASH if last is None else last.hash
        return Link(position, previous_hash, self.link_hash(position, previous_hash, content), content)

    def build(self, contents: Iterable[Mapping[str, object]]) -> list[Link]:
        """Chain contents from the genesis hash, numbering them from 1."""
        links: list[Link] = []
        for content in contents:
            links.append(self.append(links[-1] if links else None, content))
        return links

    def first_break(self, links: Iterable[Link]) -> ChainBreak | None:
        """The first link that is out of place, does not follow its predecessor or was altered; None if all hold.

        Links are read lazily and checking stops at the first break, so a caller may raise from its iterator
        to report a problem of its own at the position it occurs.
        """
        previous_hash = GENESIS_HASH
        for expected, link in enumerate(links, start=1):
            if link.position != expected:
                return ChainBreak(expected, BreakReason.OUT_OF_ORDER)
            if link.previous_hash != previous_hash:
                return ChainBreak(expected, BreakReason.UNLINKED)
            if self.link_hash(link.position, link.previous_hash, link.content) != link.hash:
                return ChainBreak(expected, BreakReason.ALTERED)
            previous_hash = link.hash
        return None
