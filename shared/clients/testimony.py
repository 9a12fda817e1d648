"""Typed client of the testimony service (for partners' tools and tests; no service calls testimony)."""

from __future__ import annotations

from shared.http import ServiceClient
from shared.schemas.testimony import (
    ApplicantSubmission,
    ApplicantSubmissionRead,
    ConsentChange,
    ConsentChangeRead,
    ConsentGive,
    ConsentGiven,
    ConsentRecordRead,
    CoverageRead,
    DerivativeCreate,
    DerivativeRead,
    MyTestimonyQuery,
    MyTestimonyRead,
    PublicationRead,
    ReviewCreate,
    SubjectApprovalCreate,
    SubjectDerivativeRead,
    SubjectDerivativesQuery,
    SubjectRefusalCreate,
    SubmissionTokenCreate,
    SubmissionTokenIssued,
    TestimonyCreate,
    TestimonyRead,
    TokenConsentGive,
    TokenNarrowing,
    TokenWithdrawal,
)


class TestimonyClient(ServiceClient):
    """Calls testimony's API with a partner officer's token, or with none for the token-only routes."""

    __test__ = False

    async def submit_testimony(self, body: TestimonyCreate) -> TestimonyRead:
        return await self.request("POST", "/v1/testimonies", TestimonyRead, json=body)

    async def read_testimony(self, testimony_id: str) -> TestimonyRead:
        return await self.request("GET", f"/v1/testimonies/{testimony_id}", TestimonyRead)

    async def issue_submission_token(self, body: SubmissionTokenCreate) -> SubmissionTokenIssued:
        return await self.request("POST", "/v1/submission-tokens", SubmissionTokenIssued, json=body)

    async def submit_with_token(self, body: ApplicantSubmission) -> ApplicantSubmissionRead:
        return await self.request("POST", "/public/submissions", ApplicantSubmissionRead, json=body)

    async def give_consent(self, testimony_id: str, body: ConsentGive) -> ConsentGiven:
        return await self.request("POST", f"/v1/testimonies/{testimony_id}/consents", ConsentGiven, json=body)

    async def read_consents(self, testimony_id: str) -> list[ConsentRecordRead]:
        return await self.request("GET", f"/v1/testimonies/{testimony_id}/consents", list[ConsentRecordRead])

    async def narrow_consent(self, testimony_id: str, record_id: str, body: ConsentChange) -> ConsentChangeRead:
        path = f"/v1/testimonies/{testimony_id}/consents/{record_id}/narrowings"
        return await self.request("POST", path, ConsentChangeRead, json=body)

    async def renew_consent(self, testimony_id: str, record_id: str, body: ConsentChange) -> ConsentChangeRead:
        path = f"/v1/testimonies/{testimony_id}/consents/{record_id}/renewals"
        return await self.request("POST", path, ConsentChangeRead, json=body)

    async def withdraw_consent(self, testimony_id: str, record_id: str) -> ConsentChangeRead:
        path = f"/v1/testimonies/{testimony_id}/consents/{record_id}/withdrawals"
        return await self.request("POST", path, ConsentChangeRead)

    async def withdraw_with_token(self, body: TokenWithdrawal) -> ConsentChangeRead:
        return await self.request("POST", "/public/consent/withdrawals", ConsentChangeRead, json=body)

    async def narrow_with_token(self, body: TokenNarrowing) -> ConsentChangeRead:
        return await self.request("POST", "/public/consent/narrowings", ConsentChangeRead, json=body)

    async def give_with_token(self, body: TokenConsentGive) -> ConsentGiven:
        return await self.request("POST", "/public/consents", ConsentGiven, json=body)

    async def read_my_testimony(self, body: MyTestimonyQuery) -> MyTestimonyRead:
        return await self.request("POST", "/public/my-testimony", MyTestimonyRead, json=body)

    async def create_derivative(self, testimony_id: str, body: DerivativeCreate) -> DerivativeRead:
        return await self.request("POST", f"/v1/testimonies/{testimony_id}/derivatives", DerivativeRead, json=body)

    async def review_derivative(self, testimony_id: str, derivative_id: str, body: ReviewCreate) -> DerivativeRead:
        path = f"/v1/testimonies/{testimony_id}/derivatives/{derivative_id}/reviews"
        return await self.request("POST", path, DerivativeRead, json=body)

    async def list_for_subject(self, body: SubjectDerivativesQuery) -> list[SubjectDerivativeRead]:
        return await self.request("POST", "/public/consent/derivatives", list[SubjectDerivativeRead], json=body)

    async def approve_as_subject(self, body: SubjectApprovalCreate) -> SubjectDerivativeRead:
        return await self.request("POST", "/public/consent/approvals", SubjectDerivativeRead, json=body)

    async def refuse_as_subject(self, body: SubjectRefusalCreate) -> SubjectDerivativeRead:
        return await self.request("POST", "/public/consent/refusals", SubjectDerivativeRead, json=body)

    async def check_coverage(
        self, testimony_id: str, derivative_id: str, purpose: str = "public_publication"
    ) -> CoverageRead:
        path = f"/v1/testimonies/{testimony_id}/derivatives/{derivative_id}/coverage"
        return await self.request("GET", path, CoverageRead, params={"purpose": purpose})

    async def publish_derivative(self, testimony_id: str, derivative_id: str) -> PublicationRead:
        path = f"/v1/testimonies/{testimony_id}/derivatives/{derivative_id}/publications"
        return await self.request("POST", path, PublicationRead)

    async def read_publication(self, publication_id: str) -> PublicationRead:
        return await self.request("GET", f"/v1/publications/{publication_id}", PublicationRead)
