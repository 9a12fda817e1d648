"""Typed client of the eligibility service."""

from __future__ import annotations

from shared.http import ServiceClient
from shared.schemas.common import Page
from shared.schemas.eligibility import ApplicantCreate, ApplicantRead


class EligibilityClient(ServiceClient):
    """Calls eligibility's API with a partner's or a service's token."""

    async def register_applicant(self, body: ApplicantCreate) -> ApplicantRead:
        return await self.request("POST", "/v1/applicants", ApplicantRead, json=body)

    async def read_applicant(self, applicant_id: str) -> ApplicantRead:
        return await self.request("GET", f"/v1/applicants/{applicant_id}", ApplicantRead)

    async def list_applicants(self, *, limit: int = 50, after: str | None = None) -> Page[ApplicantRead]:
        params: dict[str, str | int] = {"limit": limit}
        if after:
            params["after"] = after
        return await self.request("GET", "/v1/applicants", Page[ApplicantRead], params=params)
