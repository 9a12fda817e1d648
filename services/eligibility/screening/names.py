"""A person's name broken into comparable tokens, with the keys the index blocks on."""

from dataclasses import dataclass
from functools import lru_cache

from rigour.names import NameTypeTag, analyze_names
from rigour.names.symbol import SymbolCategory

from services.eligibility.screening.translit import (
    consonant_key,
    is_patronymic,
    spelling_skeletons,
)

# A patronymic-looking token in a two-token name is much more likely a surname (`Roman Abramovich`).
_MIN_TOKENS_WITH_PATRONYMIC = 3


@dataclass(frozen=True, slots=True)
class NameToken:
    """One part of a name: its normalised form, its transliteration skeletons and rigour's name symbols."""

    form: str
    skeletons: frozenset[str]
    name_symbols: frozenset[str]
    patronymic: bool


@dataclass(frozen=True, slots=True)
class AnalysedName:
    """A whole name as written, and its tokens."""

    original: str
    tokens: tuple[NameToken, ...]

    @property
    def core_token_count(self) -> int:
        """Count the tokens that are not patronymics."""
        return sum(1 for token in self.tokens if not token.patronymic)


@lru_cache(maxsize=100_000)
def analyse_name(text: str) -> AnalysedName:
    """Split a person's name into tokens with rigour and attach the keys used to compare and block them."""
    analysed = analyze_names(NameTypeTag.PER, [text], consolidate=False, phonetics=False, numerics=False)
    if not analysed:
        return AnalysedName(original=text, tokens=())
    name = next(iter(analysed))
    symbols: dict[int, set[str]] = {}
    for span in name.spans:
        # Only single-part spans say that this one token is a known form of a given or family name.
        if span.symbol.category == SymbolCategory.NAME and len(span.parts) == 1:
            symbols.setdefault(span.parts[0].index, set()).add(span.symbol.id)
    parts = [part for part in name.parts if spelling_skeletons(part.form)]
    patronymics = _find_patronymics([part.form for part in parts])
    tokens = tuple(
        NameToken(
            form=part.form,
            skeletons=spelling_skeletons(part.form),
            name_symbols=frozenset(symbols.get(part.index, ())),
            patronymic=position in patronymics,
        )
        for position, part in enumerate(parts)
    )
    return AnalysedName(original=text, tokens=tokens)


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
