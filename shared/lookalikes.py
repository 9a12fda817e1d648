"""Letters that look alike across Latin, Cyrillic and Greek, and how to fold a mixed-script word into one script.

Forms, passport scans and keyboards mix scripts without anyone noticing: a Cyrillic `АК 14019394` and a Latin
`AK 14019394` look the same on paper, and a Cyrillic surname typed with a Latin `C` or `p` in the middle reads
the same to a person. Document numbers fold to Latin (their letters are Latin in machine-readable zones);
names fold towards the script most of their letters are written in.
"""

import unicodedata

# Pairs that are drawn alike in common fonts; only these are folded, never letters that merely sound alike.
_CYRILLIC_LATIN_PAIRS = (
    ("А", "A"),
    ("В", "B"),
    ("Е", "E"),
    ("К", "K"),
    ("М", "M"),
    ("Н", "H"),
    ("О", "O"),
    ("Р", "P"),
    ("С", "C"),
    ("Т", "T"),
    ("У", "Y"),
    ("Х", "X"),
    ("Ё", "Ë"),
    ("Ѕ", "S"),
    ("І", "I"),
    ("Ј", "J"),
    ("а", "a"),
    ("е", "e"),
    ("о", "o"),
    ("р", "p"),
    ("с", "c"),
    ("у", "y"),
    ("х", "x"),
    ("ё", "ë"),
    ("ѕ", "s"),
    ("і", "i"),
    ("ј", "j"),
    ("ԁ", "d"),
    ("ԛ", "q"),
    ("ԝ", "w"),
)
_GREEK_LATIN_PAIRS = (
    ("Α", "A"),
    ("Β", "B"),
    ("Ε", "E"),
    ("Ζ", "Z"),
    ("Η", "H"),
    ("Ι", "I"),
    ("Κ", "K"),
    ("Μ", "M"),
    ("Ν", "N"),
    ("Ο", "O"),
    ("Ρ", "P"),
    ("Τ", "T"),
    ("Υ", "Y"),
    ("Χ", "X"),
    ("ο", "o"),
)

_TO_LATIN = str.maketrans(dict(_CYRILLIC_LATIN_PAIRS + _GREEK_LATIN_PAIRS))
_LATIN_TO_CYRILLIC = str.maketrans({latin: cyrillic for cyrillic, latin in _CYRILLIC_LATIN_PAIRS})


def fold_to_latin(text: str) -> str:
    """Replace every Cyrillic or Greek letter that looks like a Latin one by that Latin letter."""
    return text.translate(_TO_LATIN)


def fold_to_cyrillic(text: str) -> str:
    """Replace every Latin letter that looks like a Cyrillic one by that Cyrillic letter."""
    return text.translate(_LATIN_TO_CYRILLIC)


def _script_of(letter: str) -> str:
    name = unicodedata.name(letter, "")
    return name.split(" ", 1)[0]


def fold_word(word: str) -> str:
    """Fold a word's look-alike letters into the script most of its other letters are written in.

    `Bлaдимир` (Latin B and a among Cyrillic) becomes `Владимир`; `Pеtrov` (Cyrillic е among Latin)
    becomes `Petrov`. A word written in one script is returned unchanged.
    """
    cyrillic = latin = 0
    for letter in word:
        if letter.isalpha():
            script = _script_of(letter)
            cyrillic += script == "CYRILLIC"
            latin += script == "LATIN"
    if not cyrillic or not latin:
        return word
    # Letters without a look-alike tell the word's script; when they tie, Cyrillic wins, since look-alikes
    # typed by mistake into a Cyrillic name are the common case.
    cyrillic_only = sum(
        1 for letter in word if _script_of(letter) == "CYRILLIC" and letter.translate(_TO_LATIN) == letter
    )
    latin_only = sum(
        1 for letter in word if _script_of(letter) == "LATIN" and letter.translate(_LATIN_TO_CYRILLIC) == letter
    )
    return fold_to_latin(word) if latin_only > cyrillic_only else fold_to_cyrillic(word)


def fold_mixed_script(text: str) -> str:
    """Fold each word of a text on its own, so that a Cyrillic and a Latin spelling of a name stay apart."""
    return " ".join(fold_word(word) for word in text.split(" "))
