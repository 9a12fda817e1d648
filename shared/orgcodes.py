"""Organisation codes (exact upper-case ASCII, never normalised, with a hint when a code looks like another) and kinds.

A code names a tenant, so two spellings must never reach the same records: `de`, `DE `, full-width DE (U+FF24 U+FF25)
or DE written with a Cyrillic E (U+0415) are refused rather than folded into `DE`. The hint tells a person what they
probably meant.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from shared.lookalikes import fold_to_latin


class OrganisationKind(StrEnum):
    partner = "partner"
    ngo = "ngo"
    auditor = "auditor"


class OrganisationStatus(StrEnum):
    active = "active"
    suspended = "suspended"


CODE_PATTERN = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
MIN_LENGTH, MAX_LENGTH = 2, 32


def is_code(value: str) -> bool:
    """Whether `value` is written exactly as an organisation code is."""
    return MIN_LENGTH <= len(value) <= MAX_LENGTH and CODE_PATTERN.fullmatch(value) is not None


def likely_code(value: str) -> str | None:
    """The code a person probably meant by `value` (`de ` → `DE`), or None when there is no such code."""
    folded = fold_to_latin(unicodedata.normalize("NFKC", value)).strip().upper()
    return folded if folded != value and is_code(folded) else None


def did_you_mean(value: str) -> str:
    """` (did you mean 'DE'?)` when `value` looks like a code, else nothing."""
    guess = likely_code(value)
    return f" (did you mean {guess!r}?)" if guess else ""


def check_code(value: str) -> str:
    """Return `value` if it is written as a code; raise ValueError saying why not and what was probably meant."""
    if not is_code(value):
        raise ValueError(
            f"{value!r} is not an organisation code: codes are {MIN_LENGTH}-{MAX_LENGTH} upper-case ASCII letters "
            f"and digits, groups joined by single hyphens{did_you_mean(value)}"
        )
    return value
