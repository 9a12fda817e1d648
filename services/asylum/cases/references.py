"""Case references an applicant can read over the phone and nobody can guess.

A reference is 15 random Crockford base32 characters (75 bits from `secrets`) plus one
check character (Luhn mod 32), shown in groups of four: ``7KQ2-M9XD-4PZA-RT02``.
The alphabet leaves out I, L, O and U; when reading, O counts as 0 and I or L as 1.
"""

import re
import secrets
from typing import NewType

from services.asylum.cases.errors import MalformedCaseReference

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 15
REFERENCE_LENGTH = RANDOM_LENGTH + 1
GROUP_SIZE = 4

# The compact, upper-case form with its check character: what the database stores.
CaseReference = NewType("CaseReference", str)

_VALUE = {char: i for i, char in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Spaces, dashes of every kind, dots and underscores are what people type between groups.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._]+")


def compute_check_character(body: str) -> str:
    """Return the Luhn mod 32 check character for a string of alphabet characters."""
    base = len(ALPHABET)
    total = 0
    for position, char in enumerate(reversed(body)):
        addend = _VALUE[char] * (2 if position % 2 == 0 else 1)
        total += addend // base + addend % base
    return ALPHABET[(base - total % base) % base]


def generate_case_reference() -> CaseReference:
    """Draw a new random reference, check character included, in compact form."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return CaseReference(body + compute_check_character(body))


def format_case_reference(reference: CaseReference) -> str:
    """Return the reference in dash-separated groups of four, for people to read."""
    return "-".join(reference[i : i + GROUP_SIZE] for i in range(0, len(reference), GROUP_SIZE))


def normalise_reference_text(text: str) -> str:
    """Drop separators, upper-case, and map the look-alike letters O, I and L to digits."""
    return _SEPARATORS.sub("", text).upper().translate(_ALIASES)


def parse_case_reference(text: str) -> CaseReference:
    """Read a reference as a person typed it, or raise `MalformedCaseReference`."""
    compact = normalise_reference_text(text)
    if len(compact) != REFERENCE_LENGTH:
        raise MalformedCaseReference(f"a case reference has {REFERENCE_LENGTH} characters; this one has {len(compact)}")
    if any(char not in _VALUE for char in compact):
        raise MalformedCaseReference("a case reference uses only digits and the letters A-Z without I, L, O and U")
    if compute_check_character(compact[:-1]) != compact[-1]:
        raise MalformedCaseReference("the case reference has a typing mistake: its check character does not match")
    return CaseReference(compact)
