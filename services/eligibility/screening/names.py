"""A person's name broken into comparable tokens, with the keys the index blocks on."""

from dataclasses import dataclass
from functools import lru_cache

from rigour.names import remove_person_prefixes, tokenize_name

from services.eligibility.screening.translit import (
    consonant_key,
    is_patronymic,
    spelling_skeletons,
)

# A patronymic-looking token in a two-token name is much more likely a surname (`Roman Abramovich`).
_MIN_TOKENS_WITH_PATRONYMIC = 3


@dataclass(frozen=True, slots=True)
class NameToken:
    """One part of a name: its normalised form, its transliteration skeletons, and whether it is a patronymic."""

    form: str
    skeletons: frozenset[str]
    patronymic: bool


@dataclass(frozen=True, slots=True)
class AnalysedName:
    """A whole name as written, its tokens, and how many of them are not patronymics."""

    original: str
    tokens: tuple[NameToken, ...]
    core_token_count: int


@lru_cache(maxsize=100_000)
def analyse_name(text: str) -> AnalysedName:
    """Split a person's name into tokens with rigour, without honorifics, and attach the comparison keys."""
    forms = [form for form in tokenize_name(remove_person_prefixes(text).casefold()) if spelling_skeletons(form)]
    patronymics = _find_patronymics(forms)
    tokens = tuple(
        NameToken(form=form, skeletons=spelling_skeletons(form), patronymic=position in patronymics)
        for position, form in enumerate(forms)
    )
    return AnalysedName(original=text, tokens=tokens, core_token_count=sum(1 for t in tokens if not t.patronymic))


def _find_patronymics(forms: list[str]) -> set[int]:
    """Pick the positions holding a patronymic; when several tokens look like one, only inner ones qualify."""
    if len(forms) < _MIN_TOKENS_WITH_PATRONYMIC:
        return set()
    flagged = {position for position, form in enumerate(forms) if is_patronymic(form)}
    if len(flagged) <= 1:
        return flagged
    # `Roman Arkadyevich Abramovich`: the surname sits at an edge, the patronymic inside.
    return {position for position in flagged if 0 < position < len(forms) - 1}


def blocking_keys(token: NameToken) -> frozenset[str]:
    """Return the index keys of a token: the consonant outline of each of its skeletons."""
    return frozenset(consonant_key(skeleton) for skeleton in token.skeletons)
