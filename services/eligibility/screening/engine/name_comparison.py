"""How alike two names are: token by token, in any order, across romanisations and small misspellings.

Two tokens are the same name when their forms or phonetic skeletons meet, or when their skeletons are close
enough in spelling (Jaro-Winkler, with a plausible edit distance); a patronymic never stands for a given or
family name. The alignment pairs the best tokens first, and the parts left over lower the score: little for a
patronymic one side did not give, more for a part both sides disagree on.
"""

from dataclasses import dataclass
from functools import lru_cache

from rigour.text import is_levenshtein_plausible, jaro_winkler

from services.eligibility.screening.engine.names import AnalysedName, NameToken

# Similar spellings below this are different names, not typos or transliteration drift.
_MIN_SPELLING_SIMILARITY = 0.88
_MIN_VOWEL_DRIFT_SIMILARITY = 0.85
_VOWEL_DRIFT_MIN_LENGTH = 6
_MAX_LENGTH_GAP = 2
# Name parts left over on both sides disagree (two different given names); left over on one side only, the
# other side simply did not give that part.
_CONFLICTING_TOKEN_WEIGHT = 0.5
_MISSING_TOKEN_WEIGHT = 0.25
# A patronymic present on one side only is normal (forms often omit it) and costs little.
_MISSING_PATRONYMIC_WEIGHT = 0.1
# Two different patronymics are evidence of two different people.
_CONFLICTING_PATRONYMIC_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class TokenMatch:
    """Two tokens taken as the same part of a name, how sure that is, and why."""

    subject: NameToken
    listed: NameToken
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class NameComparison:
    """The alignment of two names token by token, and the name score it gives."""

    score: float
    matches: tuple[TokenMatch, ...]
    unmatched_subject: tuple[NameToken, ...]
    unmatched_listed: tuple[NameToken, ...]

    @property
    def conflicting(self) -> bool:
        """Whether both names keep a part the other lacks: two different given, family names or patronymics."""
        subject_core = any(not t.patronymic for t in self.unmatched_subject)
        listed_core = any(not t.patronymic for t in self.unmatched_listed)
        subject_patronymic = any(t.patronymic for t in self.unmatched_subject)
        listed_patronymic = any(t.patronymic for t in self.unmatched_listed)
        return (subject_core and listed_core) or (subject_patronymic and listed_patronymic)


def _similarity(left: str, right: str) -> float:
    """Jaro-Winkler similarity of two skeletons, 0 when their edit distance is implausible for one name."""
    length_gap = abs(len(left) - len(right))
    # `Orlov` and `Orlova` are the male and female forms of a name: two people, not a misspelling.
    if length_gap > _MAX_LENGTH_GAP or (length_gap == 1 and (left + "a" == right or right + "a" == left)):
        return 0.0
    similarity = jaro_winkler(left, right)
    # Longer spellings that differ only in inner vowels (`Valoko` for `Валёко`, Polish ё after л) get a little
    # more room; short names that do (`Elena`, `Alena`) are different names.
    same_consonants = (
        min(len(left), len(right)) >= _VOWEL_DRIFT_MIN_LENGTH
        and left[0] == right[0]
        and _consonants(left) == _consonants(right)
    )
    threshold = _MIN_VOWEL_DRIFT_SIMILARITY if same_consonants else _MIN_SPELLING_SIMILARITY
    if similarity < threshold or not is_levenshtein_plausible(left, right):
        return 0.0
    return similarity


def _consonants(skeleton: str) -> str:
    return "".join(ch for ch in skeleton if ch not in "aeiou")


@lru_cache(maxsize=200_000)
def compare_tokens(subject: NameToken, listed: NameToken) -> tuple[float, str]:
    """Score how likely two name tokens are the same name, with the reason in words."""
    if subject.form == listed.form:
        return 1.0, "identical"
    if subject.skeletons & listed.skeletons:
        return 1.0, "the same name in another transliteration"
    if subject.looks_patronymic != listed.looks_patronymic:
        # A patronymic is not a misspelt given or family name.
        return 0.0, ""
    best = max((_similarity(left, right) for left in subject.skeletons for right in listed.skeletons), default=0.0)
    if best:
        return best, f"similar spelling ({best:.2f})"
    return 0.0, ""


def compare_names(subject: AnalysedName, listed: AnalysedName) -> NameComparison:
    """Align two names token by token, best pairs first, in any order, and score the alignment between 0 and 1."""
    candidates: list[tuple[float, int, int, str]] = []
    for i, left in enumerate(subject.tokens):
        for j, right in enumerate(listed.tokens):
            score, reason = compare_tokens(left, right)
            if score > 0.0:
                candidates.append((score, i, j, reason))
    candidates.sort(key=lambda candidate: candidate[0], reverse=True)
    used_left: set[int] = set()
    used_right: set[int] = set()
    matches: list[TokenMatch] = []
    for score, i, j, reason in candidates:
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        matches.append(TokenMatch(subject.tokens[i], listed.tokens[j], score, reason))
    unmatched_subject = tuple(t for i, t in enumerate(subject.tokens) if i not in used_left)
    unmatched_listed = tuple(t for j, t in enumerate(listed.tokens) if j not in used_right)
    if not matches:
        return NameComparison(0.0, (), unmatched_subject, unmatched_listed)
    denominator = len(matches) + _unmatched_weight(unmatched_subject, unmatched_listed)
    score = sum(match.score for match in matches) / denominator
    return NameComparison(score, tuple(matches), unmatched_subject, unmatched_listed)


def name_score(subject: AnalysedName, listed: AnalysedName) -> float:
    """`compare_names(subject, listed).score`, the same alignment and arithmetic without building the comparison."""
    candidates: list[tuple[float, int, int]] = []
    for i, left in enumerate(subject.tokens):
        for j, right in enumerate(listed.tokens):
            score = compare_tokens(left, right)[0]
            if score > 0.0:
                candidates.append((score, i, j))
    if not candidates:
        return 0.0
    candidates.sort(key=lambda candidate: candidate[0], reverse=True)
    used_left: set[int] = set()
    used_right: set[int] = set()
    total = 0.0
    for score, i, j in candidates:
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        total += score
    unmatched_subject = tuple(t for i, t in enumerate(subject.tokens) if i not in used_left)
    unmatched_listed = tuple(t for j, t in enumerate(listed.tokens) if j not in used_right)
    return total / (len(used_left) + _unmatched_weight(unmatched_subject, unmatched_listed))


def _unmatched_weight(subject: tuple[NameToken, ...], listed: tuple[NameToken, ...]) -> float:
    subject_core = sum(1 for token in subject if not token.patronymic)
    listed_core = sum(1 for token in listed if not token.patronymic)
    core_weight = _CONFLICTING_TOKEN_WEIGHT if subject_core and listed_core else _MISSING_TOKEN_WEIGHT
    subject_patronymics = len(subject) - subject_core
    listed_patronymics = len(listed) - listed_core
    patronymic_weight = (
        _CONFLICTING_PATRONYMIC_WEIGHT if subject_patronymics and listed_patronymics else _MISSING_PATRONYMIC_WEIGHT
    )
    return (subject_core + listed_core) * core_weight + (subject_patronymics + listed_patronymics) * patronymic_weight
