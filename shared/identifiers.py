"""Identifiers matched without being stored: the canonical form of a document number and its keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from shared.lookalikes import fold_to_latin


def normalise_identifier(value: str) -> str:
    """Canonical form of a document number: NFKC, upper case, look-alikes as Latin, letters and digits only.

    Cyrillic and Greek letters drawn like Latin ones (a Cyrillic and a Latin `AK`) become those Latin letters.
    Folding touches only non-Latin letters, so a number written in Latin letters keeps the form (and the keyed
    hash) it always had.
    """
    folded = fold_to_latin(unicodedata.normalize("NFKC", value).upper())
    return "".join(ch for ch in folded if ch.isalnum())


def keyed_hash(key: bytes, value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of a normalised value, for matching without storing it in clear."""
    message = f"{purpose}\x00{normalise_identifier(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
