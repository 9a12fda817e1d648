"""Typed client of the asylum service."""

from __future__ import annotations

from typing import Any

from shared.http import ServiceClient
from shared.schemas.asylum import (
    AccessGrantCreate,
    AccessGrantRead,
    ApplicantAccessGrantCreate,
    ApplicantAccessGrantRevoke,
    ApplicantSecretIssued,
    CaseCreate,
    CaseCreated,
    CaseHistoryEntryRead,
    CaseRead,
    CaseStatistics,
    CaseTransfer,
    DependantCreate,
    DependantDecisionCreate,
    DependantRead,
    DuressSecretSet,
    ProtectionAlertRead,
    SharedCaseRead,
    StatusLookupRequest,
    StatusLookupResult,
    TransitionCreate,
)
from shared.schemas.common import Page


def _paging(limit: int, after: str | None, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, **{k: v for k, v in extra.items() if v is not None}}
    if after:
        params["after"] = after
    return params


class AsylumClient(ServiceClient):
    """Calls asylum's API as a partner, an NGO, or (without a token) an applicant."""

    async def create_case(self, body: CaseCreate) -> CaseCreated:
        """Open a case; the answer carries the applicant's secret, shown once."""
        return await self.request("POST", "/v1/cases", CaseCreated, json=body)

    async def read_case(self, case_id: str) -> CaseRead:
        """Read one of the partner's cases."""
        return await self.request("GET", f"/v1/cases/{case_id}", CaseRead)

    async def list_cases(
        self, *, limit: int = 50, after: str | None = None, state: str | None = None
    ) -> Page[CaseRead]:
        """One page of the partner's cases."""
        return await self.request("GET", "/v1/cases", Page[CaseRead], params=_paging(limit, after, state=state))

    async def transition_case(self, case_id: str, body: TransitionCreate) -> CaseRead:
        """Move a case to another state (409 with the allowed ones otherwise)."""
        return await self.request("POST", f"/v1/cases/{case_id}/transitions", CaseRead, json=body)

    async def list_history(
        self, case_id: str, *, limit: int = 50, after: str | None = None
    ) -> Page[CaseHistoryEntryRead]:
        """One page of a case's history."""
        return await self.request(
            "GET", f"/v1/cases/{case_id}/history", Page[CaseHistoryEntryRead], params=_paging(limit, after)
        )

    async def transfer_case(self, case_id: str, body: CaseTransfer) -> CaseRead:
        """Hand a case to another partner."""
        return await self.request("POST", f"/v1/cases/{case_id}/transfer", CaseRead, json=body)

    async def issue_applicant_secret(self, case_id: str) -> ApplicantSecretIssued:
        """Issue a new applicant secret, shown once."""
        return await self.request("POST", f"/v1/cases/{case_id}/applicant-secret", ApplicantSecretIssued)

    async def add_dependant(self, case_id: str, body: DependantCreate) -> DependantRead:
        """Add a family member to a case."""
        return await self.request("POST", f"/v1/cases/{case_id}/dependants", DependantRead, json=body)

    async def list_dependants(self, case_id: str) -> list[DependantRead]:
        """A case's family members with their status."""
        return await self.request("GET", f"/v1/cases/{case_id}/dependants", list[DependantRead])

    async def record_dependant_decision(
        self, case_id: str, dependant_id: str, body: DependantDecisionCreate
    ) -> DependantRead:
        """Record (or clear) a dependant's own decision."""
        return await self.request(
            "POST", f"/v1/cases/{case_id}/dependants/{dependant_id}/decision", DependantRead, json=body
        )

    async def grant_access(self, case_id: str, body: AccessGrantCreate) -> AccessGrantRead:
        """Record the applicant's consent for an NGO."""
        return await self.request("POST", f"/v1/cases/{case_id}/access-grants", AccessGrantRead, json=body)

    async def list_access_grants(self, case_id: str) -> list[AccessGrantRead]:
        """Every grant on a case."""
        return await self.request("GET", f"/v1/cases/{case_id}/access-grants", list[AccessGrantRead])

    async def revoke_access_grant(self, case_id: str, grant_id: str) -> AccessGrantRead:
        """Revoke a grant at once."""
        return await self.request("POST", f"/v1/cases/{case_id}/access-grants/{grant_id}/revoke", AccessGrantRead)

    async def read_statistics(self) -> CaseStatistics:
        """The partner's case statistics."""
        return await self.request("GET", "/v1/case-statistics", CaseStatistics)

    async def list_protection_alerts(self, *, limit: int = 50, after: str | None = None) -> Page[ProtectionAlertRead]:
        """Cases whose duress secret was used."""
        return await self.request(
            "GET", "/v1/protection-alerts", Page[ProtectionAlertRead], params=_paging(limit, after)
        )

    async def list_shared_cases(self, *, limit: int = 50, after: str | None = None) -> Page[SharedCaseRead]:
        """As an NGO: the cases shared with it."""
        return await self.request("GET", "/v1/shared-cases", Page[SharedCaseRead], params=_paging(limit, after))

    async def read_shared_case(self, case_id: str) -> SharedCaseRead:
        """As an NGO: one case shared with it."""
        return await self.request("GET", f"/v1/shared-cases/{case_id}", SharedCaseRead)

    async def look_up_status(self, body: StatusLookupRequest) -> StatusLookupResult:
        """As the applicant: the status of the case with this reference and secret."""
        return await self.request("POST", "/v1/status-lookup", StatusLookupResult, json=body)

    async def grant_access_as_applicant(self, body: ApplicantAccessGrantCreate) -> AccessGrantRead:
        """As the applicant: let an NGO see the case."""
        return await self.request("POST", "/v1/status-lookup/access-grants", AccessGrantRead, json=body)

    async def revoke_access_as_applicant(self, body: ApplicantAccessGrantRevoke) -> None:
        """As the applicant: withdraw an NGO's access."""
        await self.send("POST", "/v1/status-lookup/access-grants/revoke", json=body)

    async def set_duress_secret(self, body: DuressSecretSet) -> None:
        """As the applicant: set the duress secret."""
        await self.send("POST", "/v1/status-lookup/duress-secret", json=body)
