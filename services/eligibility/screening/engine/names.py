"""A person's name broken into comparable parts, with the keys the index blocks on and how common each part is."""

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rigour.names import remove_person_prefixes, tokenize_name

from services.eligibility.screening.engine.name_frequency import name_part_share
from services.eligibility.screening.engine.translit import blocking_key, is_patronymic, spelling_skeletons
from shared.lookalikes import fold_mixed_script

# A patronymic-looking token in a two-token name is much more likely a surname (`Roman Abramovich`).
_MIN_TOKENS_WITH_PATRONYMIC = 3


# Tokens are made once per form (cached), so identity is equality: hashing by identity keeps comparisons cheap.
@dataclass(frozen=True, slots=True, eq=False)
class NameToken:
    """One part of a name: its form, skeletons, blocking keys, whether it is (or looks like) a patronymic, its share."""

    form: str
    skeletons: frozenset[str]
    keys: frozenset[str]
    patronymic: bool
    share: float
    looks_patronymic: bool


@dataclass(frozen=True, slots=True)
class AnalysedName:
    """A whole name as written, its tokens, and how many of them are not patronymics."""

    original: str
    tokens: tuple[NameToken, ...]
    core_token_count: int


@lru_cache(maxsize=100_000)
def analyse_name(text: str) -> AnalysedName:
    """Split a person's name into parts with rigour, after folding look-alike letters, and attach comparison keys."""
    # Composed letters first: tokenising drops combining marks, and with them a decomposed `ž` would become `z`.
    folded = fold_mixed_script(unicodedata.normalize("NFC", text))
    forms = [form for form in tokenize_name(remove_person_prefixes(folded).casefold()) if spelling_skeletons(form)]
    patronymics = _find_patronymics(forms)
    tokens = tuple(_token(form, position in patronymics) for position, form in enumerate(forms))
    return AnalysedName(original=text, tokens=tokens, core_token_count=sum(1 for t in tokens if not t.patronymic))


@lru_cache(maxsize=200_000)
def _token(form: str, patronymic: bool) -> NameToken:
    skeletons = spelling_skeletons(form)
    return NameToken(
        form=form,
        skeletons=skeletons,
        keys=frozenset(blocking_key(skeleton) for skeleton in skeletons),
        patronymic=patronymic,
        share=name_part_share(skeletons, patronymic=patronymic),
        looks_patronymic=patronymic or is_patronymic(form),
    )


def _find_patronymics(forms: list[str]) -> set[int]:
    """Pick the positions holding a patronymic; when several tokens look like one, only inner ones qualify."""
    if len(forms) < _MIN_TOKENS_WITH_PATRONYMIC:
        return set()
    flagged = {position for position, form in enumerate(forms) if is_patronymic(form)}
    if len(flagged) <= 1:
        return flagged
    # `Roman Arkadyevich Abramovich`: the surname sits at an edge, the patronymic inside.
    return {position for position in flagged if 0 < position < len(forms) - 1}
