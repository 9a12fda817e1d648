"""Asylum names organisations only as the registry lists them: transfers and NGO grants to anyone else are 422s."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.registry import OrganisationDirectory
from tests.asylum.api.factories import officer, open_case
from tests.asylum.conftest import CHEAP_HASHING
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens, registry_snapshot, serve


@pytest.fixture
async def asylum_pl_suspended(starter: AppStarter) -> AsyncIterator[Harness]:
    """Asylum with a registry in which partner PL and the NGO NGO-B are suspended."""
    app, settings = starter.create("asylum", **CHEAP_HASHING)
    app.state.registry_preset = OrganisationDirectory.fixed(registry_snapshot(suspended=("PL", "NGO-B")))
    async with serve(app) as client:
        yield Harness("asylum", app, client, settings, settings.database_url)


@pytest.mark.parametrize(
    ("to_partner", "reason"),
    [
        ("DEE", "'DEE' is not a registered partner"),
        ("fr", "'fr' is not a registered partner (did you mean 'FR'?)"),
        ("FR ", "'FR ' is not a registered partner (did you mean 'FR'?)"),
        ("\uff26\uff32", "'\uff26\uff32' is not a registered partner (did you mean 'FR'?)"),
        ("PL", "'PL' is suspended; nothing may be given to it until an operator reactivates it"),
        ("NGO-A", "'NGO-A' is not a registered partner"),
    ],
)
async def test_a_transfer_to_an_unknown_or_suspended_partner_is_a_422_naming_it_and_moves_nothing(
    asylum_pl_suspended: Harness, tokens: Tokens, to_partner: str, reason: str
) -> None:
    h = asylum_pl_suspended
    case = await open_case(h, tokens)
    moved = await h.client.post(
        f"/v1/cases/{case['id']}/transfer", json={"to_partner": to_partner, "reason": "r"}, headers=officer(tokens)
    )
    assert moved.status_code == 422
    problem = moved.json()
    assert problem["type"].endswith("/unknown-organisation")
    assert problem["invalid_params"] == [{"name": "body.to_partner", "reason": reason}]
    assert (await h.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))).json()["partner_id"] == "DE"


async def test_a_transfer_to_a_registered_active_partner_goes_through(
    asylum_pl_suspended: Harness, tokens: Tokens
) -> None:
    case = await open_case(asylum_pl_suspended, tokens)
    moved = await asylum_pl_suspended.client.post(
        f"/v1/cases/{case['id']}/transfer", json={"to_partner": "FR", "reason": "r"}, headers=officer(tokens)
    )
    assert moved.status_code == 200
    assert moved.json()["partner_id"] == "FR"


@pytest.mark.parametrize("ngo_org", ["NGO-Q", "ngo-a", "NGO-B", "PL", "DE"])
async def test_a_grant_to_anything_but_a_registered_active_ngo_is_a_422_naming_it(
    asylum_pl_suspended: Harness, tokens: Tokens, ngo_org: str
) -> None:
    h = asylum_pl_suspended
    case = await open_case(h, tokens)
    by_officer = await h.client.post(
        f"/v1/cases/{case['id']}/access-grants", json={"ngo_org": ngo_org, "level": "full"}, headers=officer(tokens)
    )
    by_applicant = await h.client.post(
        "/v1/status-lookup/access-grants",
        json={"reference": case["reference"], "secret": case["secret"], "ngo_org": ngo_org, "level": "status"},
    )
    for answer in (by_officer, by_applicant):
        assert answer.status_code == 422
        assert answer.json()["invalid_params"][0]["name"] == "body.ngo_org"
        assert repr(ngo_org) in answer.json()["detail"]
    grants = await h.client.get(f"/v1/cases/{case['id']}/access-grants", headers=officer(tokens))
    assert grants.json() == []
