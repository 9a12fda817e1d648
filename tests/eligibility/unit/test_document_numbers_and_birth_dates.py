"""Document numbers fold look-alike letters without changing Latin ones; ages from partial birth dates."""

from __future__ import annotations

import datetime as dt
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from services.eligibility.policies.engine.facts import ApplicantFacts, read_facts
from shared.crypto import keyed_hash, normalise_identifier
from shared.schemas.eligibility import Category

KEY = b"k" * 32


def normalised_as_before(value: str) -> str:
    """The normalisation document numbers had before look-alikes were folded."""
    folded = unicodedata.normalize("NFKC", value).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def test_cyrillic_and_latin_look_alike_numbers_are_one_document() -> None:
    assert normalise_identifier("АК 14019394") == normalise_identifier("AK 14019394") == "AK14019394"
    assert keyed_hash(KEY, "RU:ак-1401 9394", purpose="p") == keyed_hash(KEY, "RU:AK14019394", purpose="p")


# Latin-1 without the micro sign, which NFKC turns into a Greek letter.
@given(st.text(alphabet=st.characters(codec="latin-1", exclude_characters="µ"), max_size=40))
def test_a_latin_number_normalises_exactly_as_before_so_stored_hashes_stay_valid(value: str) -> None:
    assert normalise_identifier(value) == normalised_as_before(value)


def facts(born: dt.date, known_to: str) -> ApplicantFacts:
    return ApplicantFacts(category=Category.conscript, citizenship="RU", birth_date=born, birth_date_known_to=known_to)


def test_an_age_from_a_partial_birth_date_is_known_only_when_every_possible_day_gives_it() -> None:
    on = dt.date(2026, 6, 15)
    assert read_facts(facts(dt.date(1987, 5, 1), "month"), on)["age"] == 39
    assert read_facts(facts(dt.date(1987, 6, 1), "month"), on)["age"] is None
    assert read_facts(facts(dt.date(1987, 1, 1), "year"), on)["age"] is None
    assert read_facts(facts(dt.date(1987, 1, 1), "year"), dt.date(2026, 12, 31))["age"] == 39
    assert read_facts(facts(dt.date(1987, 6, 20), "day"), on)["age"] == 38
