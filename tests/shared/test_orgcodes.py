"""Organisation codes are exact: look-alikes of a registered code are refused everywhere, naming the code as given."""

from __future__ import annotations

import anyio
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.orgcodes import is_code, likely_code
from shared.registry import OrganisationDirectory, UnknownOrganisation
from shared.schemas.registry import OrganisationCreate, OrganisationKind
from tests.harness import registry_snapshot

REGISTERED = ("DE", "PL", "FR", "NGO-A", "AUDIT-FIRM")
DIRECTORY = OrganisationDirectory.fixed(registry_snapshot())

# Letters drawn like Latin capitals in common fonts, from Cyrillic and Greek.
LOOKALIKES = {
    "A": "\u0410\u0391",
    "B": "\u0412\u0392",
    "E": "\u0415\u0395",
    "K": "\u041a\u039a",
    "M": "\u041c\u039c",
    "H": "\u041d\u0397",
    "O": "\u041e\u039f",
    "P": "\u0420\u03a1",
    "C": "\u0421",
    "T": "\u0422\u03a4",
    "X": "\u0425\u03a7",
    "I": "\u0406\u0399",
}


def _fullwidth(char: str) -> str:
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


@st.composite
def lookalike_codes(draw: st.DrawFn) -> tuple[str, str]:
    """A registered code and a spelling of it a person would read the same: case, spaces, full width, scripts."""
    code = draw(st.sampled_from(REGISTERED))
    chars = list(code)
    for position in draw(st.sets(st.integers(0, len(chars) - 1), min_size=1)):
        char = chars[position]
        options = [char.lower(), _fullwidth(char), *LOOKALIKES.get(char, "")]
        chars[position] = draw(st.sampled_from(options))
    spelled = "".join(chars)
    spelled = draw(st.sampled_from(["", " ", "\u00a0", "\t"])) + spelled + draw(st.sampled_from(["", " ", "\u3000"]))
    assume(spelled != code)
    return code, spelled


@given(lookalike_codes())
def test_a_lookalike_code_is_no_code_and_hints_at_the_registered_one(pair: tuple[str, str]) -> None:
    code, spelled = pair
    assert not is_code(spelled)
    assert likely_code(spelled) == code


@given(lookalike_codes())
def test_registering_a_lookalike_code_is_refused_naming_it(pair: tuple[str, str]) -> None:
    code, spelled = pair
    with pytest.raises(ValidationError) as refused:
        OrganisationCreate(code=spelled, kind=OrganisationKind.partner, name="x", currencies=["EUR"])
    assert repr(spelled) in str(refused.value)
    assert f"did you mean {code!r}" in str(refused.value)


@given(lookalike_codes())
def test_naming_a_lookalike_code_is_a_422_that_names_the_code_as_given(pair: tuple[str, str]) -> None:
    code, spelled = pair
    kind = {"NGO-A": OrganisationKind.ngo, "AUDIT-FIRM": OrganisationKind.auditor}.get(code, OrganisationKind.partner)

    async def name_it() -> None:
        await DIRECTORY.require(spelled, field="to_partner", kinds=(kind,))

    with pytest.raises(UnknownOrganisation) as refused:
        anyio.run(name_it)
    assert refused.value.status == 422
    assert repr(spelled) in refused.value.detail
    assert f"did you mean {code!r}" in refused.value.detail
    assert refused.value.extra["invalid_params"][0].name == "body.to_partner"


async def test_a_suspended_organisation_is_refused_and_an_unknown_one_gets_no_hint() -> None:
    directory = OrganisationDirectory.fixed(registry_snapshot(suspended=("PL",)))
    with pytest.raises(UnknownOrganisation, match="'PL' is suspended"):
        await directory.require("PL", field="to_partner")
    with pytest.raises(UnknownOrganisation, match=r"'DEE' is not a registered partner\.$"):
        await directory.require("DEE", field="to_partner")
    with pytest.raises(UnknownOrganisation, match="'NGO-A' is not a registered partner"):
        await directory.require("NGO-A", field="to_partner")
    assert (await directory.require("DE", field="to_partner")).code == "DE"
