"""Case references: readable over the phone, tolerant when typed, and not guessable."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.asylum.cases.errors import MalformedCaseReference
from services.asylum.cases.references import (
    ALPHABET,
    REFERENCE_LENGTH,
    CaseReference,
    compute_check_character,
    format_case_reference,
    generate_case_reference,
    parse_case_reference,
)

bodies = st.text(alphabet=ALPHABET, min_size=REFERENCE_LENGTH - 1, max_size=REFERENCE_LENGTH - 1)


def with_check(body: str) -> CaseReference:
    return CaseReference(body + compute_check_character(body))


def test_the_alphabet_leaves_out_letters_that_look_or_sound_like_others() -> None:
    assert len(ALPHABET) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_a_generated_reference_reads_back_from_its_printed_form() -> None:
    reference = generate_case_reference()
    printed = format_case_reference(reference)
    assert printed.count("-") == 3
    assert parse_case_reference(printed) == reference


def test_generated_references_do_not_repeat() -> None:
    drawn = {generate_case_reference() for _ in range(2000)}
    assert len(drawn) == 2000


def test_every_position_uses_the_whole_alphabet() -> None:
    # With 75 random bits no position may be fixed or drawn from a narrower set.
    drawn = [generate_case_reference() for _ in range(1500)]
    for position in range(REFERENCE_LENGTH - 1):
        assert {ref[position] for ref in drawn} == set(ALPHABET)


@given(bodies, st.data())
def test_parsing_tolerates_case_spaces_dashes_and_look_alike_letters(body: str, data: st.DataObject) -> None:
    reference = with_check(body)
    typed = []
    for char in reference:
        look_alikes = {"0": "0oO", "1": "1iIlL"}.get(char, char + char.lower())
        typed.append(data.draw(st.sampled_from(look_alikes)))
        typed.append(data.draw(st.sampled_from(["", "", " ", "-", " - ", "\u2013"])))
    assert parse_case_reference("".join(typed)) == reference


@given(bodies, st.integers(0, REFERENCE_LENGTH - 1), st.sampled_from(ALPHABET))
def test_any_single_mistyped_character_is_caught(body: str, position: int, wrong: str) -> None:
    reference = with_check(body)
    if reference[position] == wrong:
        return
    typo = reference[:position] + wrong + reference[position + 1 :]
    with pytest.raises(MalformedCaseReference, match="check character"):
        parse_case_reference(typo)


@given(bodies, st.integers(0, REFERENCE_LENGTH - 2))
def test_swapping_two_neighbours_is_caught(body: str, position: int) -> None:
    reference = with_check(body)
    first, second = reference[position], reference[position + 1]
    # Luhn mod 32 cannot see the swap of its two extreme values, as Luhn mod 10 misses 09/90.
    if first == second or {first, second} == {"0", "Z"}:
        return
    swapped = reference[:position] + second + first + reference[position + 2 :]
    with pytest.raises(MalformedCaseReference):
        parse_case_reference(swapped)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "16 characters"),
        ("ABCD-EFGH-JKMN", "16 characters"),
        ("ABCD-EFGH-JKMN-PQRST", "16 characters"),
        ("ABCD-EFGH-JKMN-PQR!", "only digits"),
        ("ABCD-EFGH-JKMN-PQRU", "only digits"),
    ],
)
def test_malformed_references_say_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(MalformedCaseReference, match=reason):
        parse_case_reference(text)
