"""Phonetic skeletons that let one Russian name meet across scripts and romanisation systems.

The same surname reaches lists and intake forms in many romanisations: `Жуков` is `Zhukov` (BGN/PCGN, ICAO),
`Žukov` (ISO 9, Czech), `Schukow` (German press), `Joukov` (French), `Żukow` (Polish), `Zhúkov` (Spanish).
A Cyrillic name part is mapped letter by letter to a skeleton alphabet in which each Russian sound class has
one symbol. A Latin name part cannot be read that way, because the same letters stand for different sounds in
different conventions (`ch` is ч in English, ш in French, х in German, Polish and Czech; `j` is й, ж or х), so
it is read once under each convention family and gives one skeleton per reading. Every skeleton then goes
through the same vowel folds (glides, ё, doubled letters), so two spellings of one name share a skeleton.

Skeleton symbols: lower-case `a b d e f g i k l m n o p r s t u v z` and upper-case `S` (ш, щ and ж, which
German writes alike as `sch`), `H` (ч), `X` (х), `C` (ц).
"""

import re
import unicodedata
from functools import lru_cache

from services.eligibility.screening.engine.alphabets import APOSTROPHES, CONVENTIONS, CYRILLIC, DIACRITICS, Rule

_VOWELS = "aeiou"


def _compile(rules: tuple[Rule, ...]) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One alternation of numbered groups, so that each position is rewritten at most once."""
    pattern = re.compile("|".join(f"({source})" for source, _ in rules))
    return pattern, tuple(replacement for _, replacement in rules)


_COMPILED = tuple(_compile(rules) for rules in CONVENTIONS.values())

# Folds applied to every skeleton, Cyrillic or Latin, in this order.
_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = (
    # ё after a consonant is `yo`, `io`, `jo`, `ë` or plain `e` depending on who wrote it (`Pyotr`, `Pëtr`, `Petr`).
    (re.compile(r"(?<![aeou])io"), "e"),
    # After ж, ш, щ, ч and ц Russian writes ё where it sounds o, and spellings follow either (`Gorbachov`, `Gorbachev`).
    (re.compile(r"(?<=[SHC])o"), "e"),
    (re.compile(r"i{2,}"), "i"),
    # A glide before a vowel (`ya`, `ja`, `ia`, `ye`, `je`, `yu`, `iou`) is left out, as rigour and many lists do.
    (re.compile(r"i(?=[aeou])"), ""),
    (re.compile(r"(.)\1+"), r"\1"),
    # `-off` for `-ов` in older Western spellings (`Smirnoff`).
    (re.compile(r"f$"), "v"),
)


def _fold(skeleton: str) -> str:
    for pattern, replacement in _FOLDS:
        skeleton = pattern.sub(replacement, skeleton)
    return skeleton


def _read(latin: str, compiled: tuple[re.Pattern[str], tuple[str, ...]]) -> str:
    pattern, replacements = compiled
    return pattern.sub(lambda match: replacements[(match.lastindex or 1) - 1], latin)


def _strip_marks(letter: str) -> str:
    decomposed = unicodedata.normalize("NFKD", letter)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalpha()).lower()


def _prepare(token: str) -> tuple[str, bool]:
    """Map Cyrillic letters and unambiguous diacritics to skeleton symbols; say whether Latin letters remain."""
    out: list[str] = []
    latin = False
    # Composed letters, so that `ž` is one letter however it arrived; `šč` is the scholarly щ.
    for letter in unicodedata.normalize("NFC", token.lower()).replace("šč", "ŝ"):
        if letter in CYRILLIC:
            out.append(CYRILLIC[letter])
        elif letter in DIACRITICS:
            out.append(DIACRITICS[letter])
        elif letter in APOSTROPHES:
            continue
        else:
            plain = _strip_marks(letter)
            latin = latin or bool(plain)
            out.append(plain)
    return "".join(out), latin


@lru_cache(maxsize=200_000)
def spelling_skeletons(token: str) -> frozenset[str]:
    """Return the skeletons of one name part: one for Cyrillic, one per convention family for Latin spellings."""
    prepared, has_latin = _prepare(token)
    if not prepared:
        return frozenset()
    if not has_latin:
        return frozenset({_fold(prepared)})
    skeletons = {_fold(_read(prepared, compiled)) for compiled in _COMPILED}
    return frozenset(skeleton for skeleton in skeletons if skeleton)


# Blocking merges the classes that conventions confuse most (s/z/sibilants, х/к/г, в/ф), so that a spelling
# that lands one letter off its skeleton still reaches the candidate list; scoring then weighs the difference.
_COARSE = str.maketrans({"z": "s", "S": "s", "H": "s", "C": "s", "X": "k", "g": "k", "f": "v"})


def blocking_key(skeleton: str) -> str:
    """Return the index key of a skeleton: its consonants in merged classes (its vowels when it has too few)."""
    key = "".join(ch for ch in skeleton if ch not in _VOWELS).translate(_COARSE)
    return key if len(key) >= 2 else skeleton.translate(_COARSE)


_PATRONYMIC_ENDINGS = ("oviH", "eviH", "ovna", "evna", "iHna")
# Short patronymics of a few names in -а and -ий (`Ильич`, `Никитич`, `Лукич`, `Фомич`, `Кузьмич`, `Саввич`).
_SHORT_PATRONYMICS = frozenset({"iliH", "nikitiH", "lukiH", "fomiH", "kuzmiH", "saviH"})


def is_patronymic(token: str) -> bool:
    """Tell whether a name part reads like a Russian patronymic (`Kuzhugetovich`, `Sergeevna`, `Ильинична`)."""
    return any(
        (len(skeleton) >= 6 and skeleton.endswith(_PATRONYMIC_ENDINGS)) or skeleton in _SHORT_PATRONYMICS
        for skeleton in spelling_skeletons(token)
    )
