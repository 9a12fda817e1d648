"""Banking HTTP routes: beneficiaries' bank accounts, pain.001 files, camt.053 statements."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from services.payments.banking import service
from services.payments.deps import CipherDep, PublisherDep
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.payments import BankAccountRead, BankAccountSet, BankFileCreate, StatementImportResult

router = APIRouter(prefix="/v1", tags=["banking"])
PARTNER = [CallerKind.partner]
XML_BODY = {"requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}}}


def _with_xml_body(route: dict[str, Any]) -> dict[str, Any]:
    # The statement arrives as raw XML, so the OpenAPI document must be told about the body.
    return {**route, "openapi_extra": {**route.get("openapi_extra", {}), **XML_BODY}}


@router.put(
    "/beneficiaries/{applicant_id}/bank-account",
    response_model=BankAccountRead,
    responses=problem_responses(401, 403, 422),
    **requires("bank_accounts:write", kinds=PARTNER),
)
async def set_bank_account(
    applicant_id: str,
    body: BankAccountSet,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    cipher: CipherDep,
    publisher: PublisherDep,
) -> BankAccountRead:
    """Store the IBAN a beneficiary is paid to; it is validated and encrypted, and never shown again in full."""
    return await service.set_bank_account(session, cipher, publisher, principal, applicant_id, body)


@router.post(
    "/bank-files",
    responses={200: {"content": {"application/xml": {}}}, **problem_responses(401, 403, 404, 422)},
    **requires("payouts:execute", kinds=PARTNER),
)
async def create_bank_file(
    body: BankFileCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    cipher: CipherDep,
    publisher: PublisherDep,
) -> Response:
    """Build a pain.001.001.03 credit-transfer file of the account's executed payouts, valid against the XSD."""
    batch_id, xml = await service.build_bank_file(session, cipher, publisher, principal, body)
    return Response(content=xml, media_type="application/xml", headers={"Carrots-Batch-Id": batch_id})


@router.post(
    "/bank-statements",
    response_model=StatementImportResult,
    responses=problem_responses(401, 403, 422),
    **_with_xml_body(requires("payouts:execute", kinds=PARTNER)),
)
async def import_bank_statement(
    request: Request, session: TenantSessionDep, principal: CurrentPrincipal, publisher: PublisherDep
) -> StatementImportResult:
    """Import a camt.053 statement: settled payouts are marked, returned ones are reversed in the ledger."""
    return await service.import_statement(session, publisher, principal, await request.body())
