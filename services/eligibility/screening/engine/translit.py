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

_VOWELS = "aeiou"

# Cyrillic letters straight to skeleton symbols; soft and hard signs carry no sound of their own.
_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "io",
    "ж": "S",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "X",
    "ц": "C",
    "ч": "H",
    "ш": "S",
    "щ": "S",
    "ъ": "",
    "ы": "i",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    "і": "i",
    "ї": "i",
    "є": "ie",
    "ґ": "g",
    "ў": "u",
}

# Latin letters whose diacritic names a sound unambiguously, in every convention that uses it.
_DIACRITICS = {
    "š": "S",
    "ŝ": "S",
    "ş": "S",
    "ș": "S",
    "ś": "s",
    "č": "H",
    "ĉ": "H",
    "ć": "H",
    "ž": "S",
    "ż": "S",
    "ź": "z",
    "ẑ": "S",
    "ł": "l",
    "ń": "n",
    "ě": "e",
    "ë": "e",
    "ï": "i",
    "ĭ": "i",
    "ǐ": "i",
    "ÿ": "i",
    "û": "iu",
    "â": "ia",
    "ß": "s",
}
_APOSTROPHES = "'’‘`´ʹʺʼ\"ʻ"

Rule = tuple[str, str]

# Each convention family is an ordered list of (regex, replacement) read left to right, each position once.
# Longer spellings come first, so that `shch` is not read as `sh` + `ch`.
_ENGLISH: tuple[Rule, ...] = (
    ("gh(?=[eiy])", "g"),
    ("shch", "S"),
    ("shh", "S"),
    ("sch", "S"),
    ("sh", "S"),
    ("zh", "S"),
    ("kh", "X"),
    ("tch", "H"),
    ("ch", "H"),
    ("ts", "C"),
    ("tc", "C"),
    ("tz", "C"),
    ("cz", "C"),
    ("ck", "k"),
    ("c", "C"),
    ("x", "ks"),
    ("h", "X"),
    ("w", "v"),
    ("j", "i"),
    ("y", "i"),
    ("q", "k"),
)
_GERMAN: tuple[Rule, ...] = (
    ("gh(?=[eiy])", "g"),
    ("schtsch", "S"),
    ("tsch", "H"),
    ("sch", "S"),
    ("sh", "S"),
    ("zh", "S"),
    ("ch", "X"),
    ("ck", "k"),
    ("tz", "C"),
    ("z", "C"),
    ("ss", "s"),
    # Between vowels a single `s` is з (`Kasakow`), since с is written `ss` there; word-initially before a
    # vowel it is either, and this reading takes з (`Sacharow`) while the others take с (`Sergej`).
    ("(?<=[aeiouy])s(?=[aeiouy])|^s(?=[aeiouy])", "z"),
    ("x", "ks"),
    ("h", "X"),
    ("w", "v"),
    ("j", "i"),
    ("y", "i"),
)
_FRENCH: tuple[Rule, ...] = (
    ("gh(?=[eiy])", "g"),
    ("chtch", "S"),
    ("tch", "H"),
    ("ch", "S"),
    ("kh", "X"),
    ("dj", "S"),
    ("zh", "S"),
    ("j", "S"),
    ("ts", "C"),
    ("ou", "u"),
    ("gu(?=[eiy])", "g"),
    ("ss", "s"),
    # French adds a mute e so that a final `-in` is not nasal (`Poutine`).
    ("ine$", "in"),
    ("c", "k"),
    ("x", "ks"),
    ("h", "X"),
    ("w", "v"),
    ("y", "i"),
)
# Polish and Czech press, and the scholarly systems (ISO 9, GOST 7.79, scientific) once their diacritics
# are read: `ch`, `h` and `x` are х, `c` is ц, `j` is й.
_CENTRAL: tuple[Rule, ...] = (
    ("gh(?=[eiy])", "g"),
    ("szcz", "S"),
    ("shch", "S"),
    ("shh", "S"),
    ("sz", "S"),
    ("sh", "S"),
    ("cz", "H"),
    ("rz", "S"),
    ("zh", "S"),
    ("kh", "X"),
    ("ch", "X"),
    ("c", "C"),
    ("x", "X"),
    ("h", "X"),
    ("w", "v"),
    ("j", "i"),
    ("y", "i"),
)
_SPANISH: tuple[Rule, ...] = (
    ("gh(?=[eiy])", "g"),
    ("sch", "S"),
    ("sh", "S"),
    ("zh", "S"),
    ("kh", "X"),
    ("ch", "H"),
    ("ts", "C"),
    ("tz", "C"),
    ("j", "X"),
    ("gu(?=[eiy])", "g"),
    ("c", "k"),
    ("x", "ks"),
    ("h", "X"),
    ("w", "v"),
    ("y", "i"),
)
# Italian press: `sc`/`sci` for ш and щ, `c`/`ci` for ч before the vowels that need it, `gh` for г, `z` for ц.
_ITALIAN: tuple[Rule, ...] = (
    ("sci(?=[aou])", "S"),
    ("sc(?=[eiy])", "S"),
    ("sh", "S"),
    ("zh", "S"),
    ("kh", "X"),
    ("ch", "X"),
    ("gh(?=[eiy])", "g"),
    ("ci(?=[aou])", "H"),
    ("c(?=[eiy])", "H"),
    ("c", "k"),
    ("z", "C"),
    ("x", "ks"),
    ("h", "X"),
    ("w", "v"),
    ("j", "i"),
    ("y", "i"),
)
CONVENTIONS: dict[str, tuple[Rule, ...]] = {
    "english": _ENGLISH,
    "german": _GERMAN,
    "french": _FRENCH,
    "central": _CENTRAL,
    "spanish": _SPANISH,
    "italian": _ITALIAN,
}


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
        if letter in _CYRILLIC:
            out.append(_CYRILLIC[letter])
        elif letter in _DIACRITICS:
            out.append(_DIACRITICS[letter])
        elif letter in _APOSTROPHES:
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
