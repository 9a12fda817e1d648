"""The typed client drives the journey and turns refusals into PeerError with the problem attached."""

from __future__ import annotations

import pytest

from shared.auth import CallerKind
from shared.clients.testimony import TestimonyClient
from shared.http import PeerError
from shared.schemas import testimony as schemas
from shared.schemas.testimony import (
    ConsentGive,
    ConsentTermsModel,
    DerivativeCreate,
    PurposeConditionsModel,
    ReviewCreate,
    TokenWithdrawal,
)
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import ALL_SCOPES


def client_for(h: Harness, tokens: Tokens, subject: str | None) -> TestimonyClient:
    token = None if subject is None else tokens.mint("DE", CallerKind.partner, *ALL_SCOPES, subject=subject)
    return TestimonyClient(h.client, "http://test", token)


async def test_the_client_publishes_and_withdraws(testimony: Harness, tokens: Tokens) -> None:
    officer, redactor = client_for(testimony, tokens, "officer-1"), client_for(testimony, tokens, "redactor")
    t = await officer.submit_testimony(schemas.TestimonyCreate(applicant_id="app-3", language="uk", text="Ми чекали."))
    terms = ConsentTermsModel(
        grants={"public_publication": PurposeConditionsModel()}, notice_version="n-1", method="electronic_form"
    )
    consent = await officer.give_consent(t.id, ConsentGive(subject_ref="author", terms=terms))
    derivative = await redactor.create_derivative(t.id, DerivativeCreate(title="Waiting"))
    with pytest.raises(PeerError) as refused:
        await officer.publish_derivative(t.id, derivative.id)
    assert refused.value.status == 409
    for reviewer in ("reviewer-a", "reviewer-b"):
        await client_for(testimony, tokens, reviewer).review_derivative(
            t.id, derivative.id, ReviewCreate(content_sha256=derivative.content_sha256)
        )
    publication = await officer.publish_derivative(t.id, derivative.id)
    anonymous = client_for(testimony, tokens, None)
    change = await anonymous.withdraw_with_token(TokenWithdrawal(token=consent.withdrawal_token))
    assert [d.publication_id for d in change.takedowns] == [publication.id]
    assert (await officer.read_publication(publication.id)).takedown_reason == "withdrawn"
