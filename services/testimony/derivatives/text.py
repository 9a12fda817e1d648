"""Text redaction: replace spans with a fixed marker and keep a record of what was redacted, but not the words."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.testimony.derivatives.errors import RedactionSpanOutOfRange

# One marker for every span, so its length does not hint at the length of what it hides.
REDACTION_MARKER = "[redacted]"


@dataclass(frozen=True)
class RedactionSpan:
    """A half-open range [start, end) of the original text to hide, why, and whom it protects."""

    start: int
    end: int
    category: str
    subject_ref: str | None = None


@dataclass(frozen=True)
class RedactionEntry:
    """What one marker in the derivative replaced: original offsets, marker offsets, categories, subjects."""

    original_start: int
    original_end: int
    derivative_start: int
    derivative_end: int
    categories: tuple[str, ...]
    subject_refs: frozenset[str]


@dataclass(frozen=True)
class RedactedText:
    """A redacted derivative with its record and the hashes tying it to the original."""

    text: str
    original_sha256: str
    sha256: str
    entries: tuple[RedactionEntry, ...]

    @property
    def redacted_subjects(self) -> frozenset[str]:
        """Everyone at least one span was redacted for."""
        return frozenset(ref for entry in self.entries for ref in entry.subject_refs)


def hash_text(text: str) -> str:
    """SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _merge_spans(spans: Sequence[RedactionSpan], length: int) -> list[list[RedactionSpan]]:
    for span in spans:
        if not 0 <= span.start < span.end <= length:
            raise RedactionSpanOutOfRange(f"span [{span.start}, {span.end}) is outside a text of {length} characters")
    groups: list[list[RedactionSpan]] = []
    group_end = -1
    # Overlapping or touching spans become one marker, so the markers do not reveal how many were joined.
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if groups and span.start <= group_end:
            groups[-1].append(span)
            group_end = max(group_end, span.end)
        else:
            groups.append([span])
            group_end = span.end
    return groups


def redact_text(original: str, spans: Sequence[RedactionSpan]) -> RedactedText:
    """Replace every span of `original` with the marker and record each replacement."""
    pieces: list[str] = []
    entries: list[RedactionEntry] = []
    cursor = 0
    written = 0
    for group in _merge_spans(spans, len(original)):
        start = group[0].start
        end = max(span.end for span in group)
        kept = original[cursor:start]
        pieces.append(kept)
        written += len(kept)
        pieces.append(REDACTION_MARKER)
        entries.append(
            RedactionEntry(
                original_start=start,
                original_end=end,
                derivative_start=written,
                derivative_end=written + len(REDACTION_MARKER),
                categories=tuple(sorted({span.category for span in group})),
                subject_refs=frozenset(span.subject_ref for span in group if span.subject_ref is not None),
            )
        )
        written += len(REDACTION_MARKER)
        cursor = end
    pieces.append(original[cursor:])
    text = "".join(pieces)
    return RedactedText(
        text=text,
        original_sha256=hash_text(original),
        sha256=hash_text(text),
        entries=tuple(entries),
    )


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    cleaned = sorted({term.strip() for term in terms if term.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile("|".join(re.escape(term) for term in cleaned), re.IGNORECASE)


def find_term_spans(
    text: str, terms: Iterable[str], category: str, subject_ref: str | None = None
) -> list[RedactionSpan]:
    """Propose a span for every case-insensitive occurrence of any term (a name, a village, a unit)."""
    pattern = _term_pattern(terms)
    if pattern is None:
        return []
    return [RedactionSpan(m.start(), m.end(), category, subject_ref) for m in pattern.finditer(text)]


def find_remaining_terms(text: str, terms: Iterable[str]) -> list[str]:
    """List the terms that still occur in a text, so a redaction claimed for someone can be checked."""
    pattern = _term_pattern(terms)
    if pattern is None:
        return []
    return sorted({match.group(0).casefold() for match in pattern.finditer(text)})
