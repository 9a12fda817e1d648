"""Typed client of the eligibility service."""

from __future__ import annotations

from shared.http import ServiceClient
from shared.schemas.common import Page
from shared.schemas.eligibility import (
    ApplicantCreate,
    ApplicantRead,
    AssessmentCreate,
    AssessmentRead,
    DuplicateConflictRead,
    EvidenceUpdate,
    IntakeJobRead,
    IntakeRowReport,
    PolicyRead,
    ScreeningHitRead,
)


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

    async def update_evidence(self, applicant_id: str, body: EvidenceUpdate) -> ApplicantRead:
        return await self.request("PATCH", f"/v1/applicants/{applicant_id}/evidence", ApplicantRead, json=body)

    async def list_duplicate_conflicts(self, *, limit: int = 50) -> Page[DuplicateConflictRead]:
        return await self.request(
            "GET", "/v1/duplicate-conflicts", Page[DuplicateConflictRead], params={"limit": limit}
        )

    async def read_policy(self, version: int) -> PolicyRead:
        return await self.request("GET", f"/v1/policies/{version}", PolicyRead)

    async def assess_applicant(self, applicant_id: str, body: AssessmentCreate) -> AssessmentRead:
        return await self.request("POST", f"/v1/applicants/{applicant_id}/assessments", AssessmentRead, json=body)

    async def read_assessment(self, assessment_id: str) -> AssessmentRead:
        return await self.request("GET", f"/v1/assessments/{assessment_id}", AssessmentRead)

    async def approve_assessment(self, assessment_id: str) -> AssessmentRead:
        return await self.request("POST", f"/v1/assessments/{assessment_id}/approvals", AssessmentRead)

    async def read_intake_job(self, job_id: str) -> IntakeJobRead:
        return await self.request("GET", f"/v1/intake-jobs/{job_id}", IntakeJobRead)

    async def list_intake_rows(
        self, job_id: str, *, status: str | None = None, after: str | None = None, limit: int = 200
    ) -> Page[IntakeRowReport]:
        params: dict[str, str | int] = {"limit": limit} | ({"status": status} if status else {})
        if after is not None:
            params["after"] = after
        return await self.request("GET", f"/v1/intake-jobs/{job_id}/rows", Page[IntakeRowReport], params=params)

    async def list_screening_hits(self, applicant_id: str) -> list[ScreeningHitRead]:
        return await self.request("GET", f"/v1/applicants/{applicant_id}/screening-hits", list[ScreeningHitRead])
