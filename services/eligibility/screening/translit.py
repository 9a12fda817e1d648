"""Spelling keys that let one Russian name meet across transliteration schemes.

The same Cyrillic surname reaches sanctions lists and intake forms in several romanisations: `Шойгу`
becomes `Shoigu` in English, `Schoigu` in German and `Choïgou` in French. rigour transliterates the
Cyrillic side (`rigour.text.ascii_text`); here every Latin spelling is read once under each of the three
conventions and folded into one skeleton in which all of them agree. A token's skeletons are compared
for scoring and, shortened to their consonants, used as blocking keys for the index.
"""

import re
from functools import lru_cache

from rigour.text import ascii_text

# Letters with a diacritic that stands for a digraph elsewhere; ascii_text would drop the diacritic
# and lose the sound (Czech `Šojgu` must stay a `sh`).
_DIACRITIC_DIGRAPHS = str.maketrans({"š": "sh", "ž": "zh", "č": "ch", "ć": "ch", "ś": "sh", "ź": "zh"})

# Placeholders for the sounds the conventions spell differently: sh, ch, zh, kh, shch and ts.
_SH, _CH, _ZH, _KH, _SHCH, _TS = "S", "C", "Z", "X", "Q", "T"

_VOWELS = "aeiouy"

# Each convention is an ordered list of (pattern, replacement); longer spellings come first so that
# `shch` is not read as `sh` + `ch`.
_ENGLISH: tuple[tuple[str, str], ...] = (
    ("shch", _SHCH),
    ("sch", _SHCH),
    ("sh", _SH),
    ("zh", _ZH),
    ("kh", _KH),
    ("tch", _CH),
    ("ch", _CH),
    ("ts", _TS),
    ("tz", _TS),
    ("h", _KH),
    ("x", "ks"),
    ("w", "v"),
    ("j", "i"),
)
_GERMAN: tuple[tuple[str, str], ...] = (
    ("schtsch", _SHCH),
    ("tsch", _CH),
    ("sch", _SH),
    ("sh", _ZH),
    ("zh", _ZH),
    ("ch", _KH),
    ("h", _KH),
    ("tz", _TS),
    ("z", _TS),
    ("w", "v"),
    ("x", "ks"),
    ("j", "i"),
)
_FRENCH: tuple[tuple[str, str], ...] = (
    ("chtch", _SHCH),
    ("tch", _CH),
    ("ch", _SH),
    ("kh", _KH),
    ("zh", _ZH),
    ("dj", _ZH),
    ("j", _ZH),
    ("ts", _TS),
    ("ou", "u"),
    ("h", _KH),
    ("x", "ks"),
    ("w", "v"),
)
_CONVENTIONS = (_ENGLISH, _GERMAN, _FRENCH)


def _compile(
    rules: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str], dict[str, str]]:
    """Build one alternation so that each position is rewritten at most once."""
    table = dict(rules)
    return re.compile("|".join(re.escape(src) for src, _ in rules)), table


_COMPILED = tuple(_compile(rules) for rules in _CONVENTIONS)

# Vowel spellings that differ between conventions but not in the name: `ya`/`ja`/`ia`, French `gue`.
_VOWEL_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"gu(?=[ei])"), "g"),
    (re.compile(r"[iy](?=[aeouy])"), "i"),
    (re.compile(r"y"), "i"),
    (re.compile(r"ii+"), "i"),
    # An initial or post-vocalic Cyrillic e is `ye` in English spellings and `e` in rigour's and German ones.
    (re.compile(r"(^|[aeou])ie"), r"\1e"),
    # Cyrillic yo after a consonant is `yo`, `io`, `jo` or plain `e` depending on who wrote it (`Pyotr`, `Petr`).
    (re.compile(r"(?<=[^aeiou])io"), "e"),
    (re.compile(r"(?<=[" + _VOWELS + r"])ss(?=[" + _VOWELS + r"])"), "s"),
    (re.compile(r"(.)\1+"), r"\1"),
)
_PATRONYMIC_ENDINGS = (
    "ovi" + _CH,
    "evi" + _CH,
    "ovna",
    "evna",
    "i" + _CH + "na",
    "ivna",
)


def latinise_token(token: str) -> str:
    """Transliterate one name token to lower-case ASCII, keeping sounds a diacritic carries."""
    return ascii_text(token.lower().translate(_DIACRITIC_DIGRAPHS)).lower()


def _apply_convention(latin: str, compiled: tuple[re.Pattern[str], dict[str, str]]) -> str:
    pattern, table = compiled
    folded = pattern.sub(lambda m: table[m.group(0)], latin)
    for vowel_pattern, replacement in _VOWEL_FOLDS:
        folded = vowel_pattern.sub(replacement, folded)
    return folded


@lru_cache(maxsize=200_000)
def spelling_skeletons(token: str) -> frozenset[str]:
    """Return the token's skeletons, one per romanisation convention it could have been written in."""
    latin = re.sub(r"[^a-z]", "", latinise_token(token))
    if not latin:
        return frozenset()
    return frozenset(_apply_convention(latin, compiled) for compiled in _COMPILED)


def consonant_key(skeleton: str) -> str:
    """Return the skeleton without its vowels, which absorbs most leftover spelling drift."""
    key = "".join(ch for ch in skeleton if ch not in _VOWELS)
    return key if len(key) >= 2 else skeleton


def is_patronymic(token: str) -> bool:
    """Tell whether a token reads like a Russian patronymic (`Kuzhugetovich`, `Sergeevna`)."""
    return any(len(skeleton) > 6 and skeleton.endswith(_PATRONYMIC_ENDINGS) for skeleton in spelling_skeletons(token))
