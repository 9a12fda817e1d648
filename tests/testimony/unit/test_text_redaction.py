"""Redaction replaces exactly the chosen spans with one fixed marker and records what it did."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.testimony.derivatives.errors import RedactionSpanOutOfRange
from services.testimony.derivatives.text import (
    REDACTION_MARKER,
    RedactionSpan,
    find_remaining_terms,
    find_term_spans,
    hash_text,
    redact_text,
)

TEXT = "My sister Olga Ivanova still lives in Kursk with Olga's children."


def test_spans_are_replaced_and_recorded_without_the_words() -> None:
    spans = find_term_spans(TEXT, ["Olga Ivanova", "Olga"], "family_name", "sister")
    spans += find_term_spans(TEXT, ["Kursk"], "place")
    redacted = redact_text(TEXT, spans)
    assert redacted.text == "My sister [redacted] still lives in [redacted] with [redacted]'s children."
    assert [entry.categories for entry in redacted.entries] == [("family_name",), ("place",), ("family_name",)]
    assert redacted.redacted_subjects == frozenset({"sister"})
    assert redacted.original_sha256 == hash_text(TEXT)
    assert redacted.sha256 == hash_text(redacted.text)
    assert "Olga" not in repr(redacted.entries)


def test_overlapping_and_touching_spans_become_one_marker() -> None:
    spans = [RedactionSpan(10, 14, "name", "sister"), RedactionSpan(12, 22, "name"), RedactionSpan(22, 23, "x")]
    redacted = redact_text(TEXT, spans)
    assert redacted.text == TEXT[:10] + REDACTION_MARKER + TEXT[23:]
    assert len(redacted.entries) == 1
    assert redacted.entries[0].categories == ("name", "x")


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 5), (6, 4), (0, len(TEXT) + 1)])
def test_a_span_outside_the_text_is_refused(start: int, end: int) -> None:
    with pytest.raises(RedactionSpanOutOfRange):
        redact_text(TEXT, [RedactionSpan(start, end, "name")])


def test_remaining_terms_reveal_an_incomplete_redaction() -> None:
    partial = redact_text(TEXT, find_term_spans(TEXT, ["Olga Ivanova"], "family_name", "sister"))
    assert find_remaining_terms(partial.text, ["Olga", "Ivanova"]) == ["olga"]
    complete = redact_text(TEXT, find_term_spans(TEXT, ["Olga", "Ivanova"], "family_name", "sister"))
    assert find_remaining_terms(complete.text, ["Olga", "Ivanova"]) == []


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[RedactionSpan]]:
    text = draw(st.text(alphabet="abc xyz", min_size=1, max_size=60))
    bounds = st.integers(min_value=0, max_value=len(text))
    spans = []
    for start, end in draw(st.lists(st.tuples(bounds, bounds), max_size=6)):
        if start != end:
            spans.append(RedactionSpan(min(start, end), max(start, end), "c"))
    return text, spans


@given(case=text_and_spans())
def test_redaction_keeps_every_character_outside_the_spans_in_order(case: tuple[str, list[RedactionSpan]]) -> None:
    text, spans = case
    redacted = redact_text(text, spans)
    hidden = [False] * len(text)
    for span in spans:
        for index in range(span.start, span.end):
            hidden[index] = True
    rebuilt = []
    cursor = 0
    for entry in redacted.entries:
        assert redacted.text[entry.derivative_start : entry.derivative_end] == REDACTION_MARKER
        assert all(hidden[entry.original_start : entry.original_end])
        rebuilt.append(text[cursor : entry.original_start])
        cursor = entry.original_end
    rebuilt.append(text[cursor:])
    kept = "".join(ch for ch, is_hidden in zip(text, hidden, strict=True) if not is_hidden)
    assert "".join(rebuilt) == kept
    assert redacted.text.replace(REDACTION_MARKER, "") == kept
