"""The typed client speaks the asylum API with the shared schemas."""

from __future__ import annotations

import pytest

from shared.auth import CallerKind
from shared.clients.asylum import AsylumClient
from shared.http import PeerError
from shared.schemas.asylum import (
    AccessGrantCreate,
    ApplicantAccessGrantRevoke,
    CaseCreate,
    DuressSecretSet,
    StatusLookupRequest,
    TransitionCreate,
)
from tests.asylum.api.factories import OFFICER_SCOPES, approve
from tests.harness import Harness, Tokens


def client_for(h: Harness, token: str | None) -> AsylumClient:
    return AsylumClient(h.client, "http://test", token)


async def test_a_partner_an_ngo_and_an_applicant_use_the_client(cases_api: Harness, tokens: Tokens) -> None:
    partner = client_for(cases_api, tokens.mint("DE", CallerKind.partner, *OFFICER_SCOPES))
    created = await partner.create_case(CaseCreate(applicant_id=await approve(cases_api)))
    moved = await partner.transition_case(created.id, TransitionCreate(to_state="lodged", reason="papers in"))
    assert moved.state == "lodged"
    with pytest.raises(PeerError) as refused:
        await partner.transition_case(created.id, TransitionCreate(to_state="naturalised", reason="no"))
    assert refused.value.status == 409
    assert refused.value.problem is not None
    assert refused.value.problem.allowed == ["interview_scheduled", "withdrawn"]
    assert [e.to_state for e in (await partner.list_history(created.id)).items] == ["registered", "lodged"]
    await partner.grant_access(created.id, AccessGrantCreate(ngo_org="NGO-A", level="status"))

    ngo = client_for(cases_api, tokens.mint("NGO-A", CallerKind.ngo, "shared-cases:read"))
    assert (await ngo.read_shared_case(created.id)).view.state == "lodged"

    applicant = client_for(cases_api, None)
    status = await applicant.look_up_status(StatusLookupRequest(reference=created.reference, secret=created.secret))
    assert status.state == "lodged"
    await applicant.set_duress_secret(
        DuressSecretSet(reference=created.reference, secret=created.secret, duress_secret="blue river 7")
    )
    await applicant.revoke_access_as_applicant(
        ApplicantAccessGrantRevoke(reference=created.reference, secret=created.secret, ngo_org="NGO-A")
    )
    with pytest.raises(PeerError) as gone:
        await ngo.read_shared_case(created.id)
    assert gone.value.status == 404
