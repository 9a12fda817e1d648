"""The shared chain primitive: one canonical encoding, links that seal their predecessor, breaks found and named."""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.domain.errors import NonCanonicalValue as LedgerNonCanonicalValue
from services.payments.domain.tamper.chain import chain_records, compute_record_hash
from services.testimony.consent.chain import ConsentEvent, hash_event
from services.testimony.consent.domain import (
    Attribution,
    ConsentEventKind,
    ConsentMethod,
    ConsentTerms,
    Purpose,
    PurposeConditions,
)
from shared.chain import GENESIS_HASH, BreakReason, ChainBreak, ChainFormat, Link, NonCanonicalValue, canonical_json

FORMAT = ChainFormat(domain=b"carrots.test.v1\n", position_field="seq", previous_field="prev")

json_scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
contents = st.dictionaries(st.text(max_size=6).filter(lambda k: k not in ("seq", "prev")), json_values, max_size=4)
chains = st.lists(contents, min_size=1, max_size=8).map(FORMAT.build)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6))
def test_canonical_json_is_one_form_whatever_the_key_order(value: dict[str, Any]) -> None:
    reordered = dict(reversed(list(value.items())))
    encoded = canonical_json(value)
    assert canonical_json(reordered) == encoded
    assert json.loads(encoded) == value


def test_canonical_json_is_compact_sorted_utf8() -> None:
    assert canonical_json({"b": [1, None], "a": "ü"}) == '{"a":"ü","b":[1,null]}'.encode()


@given(json_values, st.floats(allow_nan=True))
def test_a_float_anywhere_is_refused(value: Any, number: float) -> None:
    with pytest.raises(NonCanonicalValue):
        canonical_json({"outer": [value, {"deep": number}]})


@pytest.mark.parametrize("value", [{1: "a"}, {"a": b"bytes"}, {"a": {1, 2}}, {"a": datetime(2026, 1, 1, tzinfo=UTC)}])
def test_values_without_one_json_form_are_refused(value: Any) -> None:
    with pytest.raises(NonCanonicalValue):
        canonical_json(value)


@given(chains)
def test_a_built_chain_holds(links: list[Link]) -> None:
    assert FORMAT.first_break(links) is None
    assert links[0].previous_hash == GENESIS_HASH
    assert [link.position for link in links] == list(range(1, len(links) + 1))
    assert all(after.previous_hash == before.hash for before, after in itertools.pairwise(links))


@given(chains, st.data())
def test_an_edited_content_breaks_the_chain_at_that_link(links: list[Link], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(links) - 1))
    content = dict(links[index].content)
    content["tampered"] = data.draw(json_scalars)
    links[index] = dataclasses.replace(links[index], content=content)
    assert FORMAT.first_break(links) == ChainBreak(index + 1, BreakReason.ALTERED)


@given(chains.filter(lambda links: len(links) > 1), st.data())
def test_a_rehashed_edit_breaks_the_link_after_it(links: list[Link], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(links) - 2))
    edited = {**links[index].content, "tampered": True}
    previous = links[index - 1] if index else None
    links[index] = FORMAT.append(previous, edited)
    assert FORMAT.first_break(links) == ChainBreak(index + 2, BreakReason.UNLINKED)


@given(chains.filter(lambda links: len(links) > 1), st.data())
def test_a_removed_link_is_found_where_it_was(links: list[Link], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(links) - 2))
    del links[index]
    assert FORMAT.first_break(links) == ChainBreak(index + 1, BreakReason.OUT_OF_ORDER)


@given(chains.filter(lambda links: len(links) > 1), st.data())
def test_swapped_links_are_found_at_the_first_of_them(links: list[Link], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(links) - 2))
    links[index], links[index + 1] = links[index + 1], links[index]
    assert FORMAT.first_break(links) == ChainBreak(index + 1, BreakReason.OUT_OF_ORDER)


@given(chains, st.data())
def test_a_renumbered_chain_is_out_of_order(links: list[Link], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(links) - 1))
    links[index] = dataclasses.replace(links[index], position=links[index].position + 1)
    assert FORMAT.first_break(links) == ChainBreak(index + 1, BreakReason.OUT_OF_ORDER)


@given(contents)
def test_a_hash_made_for_one_kind_of_chain_is_no_good_in_another(content: dict[str, Any]) -> None:
    other = dataclasses.replace(FORMAT, domain=b"carrots.other.v1\n")
    assert FORMAT.link_hash(1, GENESIS_HASH, content) != other.link_hash(1, GENESIS_HASH, content)


def test_content_cannot_smuggle_in_its_own_linking_fields() -> None:
    with pytest.raises(NonCanonicalValue):
        FORMAT.link_hash(1, GENESIS_HASH, {"seq": 2})


def test_a_break_is_described_in_the_callers_words() -> None:
    assert ChainBreak(3, BreakReason.UNLINKED).describe("event") == "event 3 does not follow the event before it"
    assert ChainBreak(2, BreakReason.ALTERED).describe() == "link 2 was altered after it was recorded"


def test_hashes_the_ledger_stored_before_the_primitive_still_verify() -> None:
    body = {
        "id": "e-1",
        "partner_id": "DE",
        "amount_minor": -12345,
        "currency": "EUR",
        "memo": "Зарплата ✓",
        "flag": True,
        "none": None,
        "list": [1, "a"],
    }
    assert compute_record_hash(7, "ab" * 32, body) == "4b3212c5fda4b30b84ce2fe45d864e673937643af3951fe736080edde16162ba"
    assert [record.hash for record in chain_records([{"a": 1}, {"b": "ü"}])] == [
        "0f27ca66ead35b312889b2d43706f713f60b127f620e7536c0de63e270ecb7bf",
        "105cb1e8e86162c5582be36e30d24b6779dc21aa58ed274abbb44a86a7f7eba4",
    ]
    with pytest.raises(LedgerNonCanonicalValue):
        compute_record_hash(1, GENESIS_HASH, {"amount": 1.5})


def test_hashes_the_consent_history_stored_before_the_primitive_still_verify() -> None:
    conditions = PurposeConditions(
        attribution=Attribution.NAMED, face_obscured=False, expires_at=datetime(2027, 1, 1, tzinfo=UTC)
    )
    terms = ConsentTerms(
        grants={Purpose("public_publication"): conditions},
        notice_version="notice-2026-01 ✓",
        method=ConsentMethod.ELECTRONIC_FORM,
    )
    given_at = ConsentEvent(ConsentEventKind.GIVEN, datetime(2026, 1, 1, 12, 30, tzinfo=UTC), terms)
    withdrawn = ConsentEvent(ConsentEventKind.WITHDRAWN, datetime(2026, 2, 1, tzinfo=UTC))
    assert hash_event("rec-1", 1, GENESIS_HASH, given_at) == (
        "6ac3bed037d0b58d1be5b378985ed3b5e396a571eb73bf1e0fd988bf0d3f56bf"
    )
    assert hash_event("rec-1", 2, "ab" * 32, withdrawn) == (
        "7ad89cd3ede6e83c8ccb965dc151f873bda352c52493688e91195ffc68069a62"
    )
