"""Banking HTTP routes: beneficiaries' bank accounts, the bank profile, pain.001 files, camt.053 statements."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from services.payments.banking import service
from services.payments.deps import CipherDep, PublisherDep
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.payments import (
    BankAccountRead,
    BankAccountSet,
    BankFileCreate,
    BankProfileRead,
    BankProfileSet,
    StatementImportResult,
)

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


@router.get(
    "/bank-profile",
    response_model=BankProfileRead,
    responses=problem_responses(401, 403),
    **requires("bank_profile:read", kinds=PARTNER),
)
async def get_bank_profile(session: TenantSessionDep) -> BankProfileRead:
    """The message versions the caller's bank takes and sends, or the default (pain.001.001.09, camt.053.001.08)."""
    return await service.get_bank_profile(session)


@router.put(
    "/bank-profile",
    response_model=BankProfileRead,
    responses=problem_responses(401, 403, 422),
    **requires("bank_profile:write", kinds=PARTNER),
)
async def set_bank_profile(
    body: BankProfileSet, session: TenantSessionDep, principal: CurrentPrincipal, publisher: PublisherDep
) -> BankProfileRead:
    """Set which pain.001 version the caller's bank takes and which camt.053 version it sends."""
    return await service.set_bank_profile(session, publisher, principal, body)


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
    """Build a pain.001 file of the account's executed payouts in the bank profile's version, valid against its XSD."""
    batch_id, xml = await service.build_bank_file(session, cipher, publisher, principal, body)
    return Response(content=xml, media_type="application/xml", headers={"Carrots-Batch-Id": batch_id})


# A camt.053 statement of a busy month; larger ones are split by the bank.
MAX_STATEMENT_BYTES = 20 * 1024 * 1024


@router.post(
    "/bank-statements",
    max_body_size=MAX_STATEMENT_BYTES,
    response_model=StatementImportResult,
    responses=problem_responses(401, 403, 422),
    **_with_xml_body(requires("payouts:execute", kinds=PARTNER)),
)
async def import_bank_statement(
    request: Request, session: TenantSessionDep, principal: CurrentPrincipal, publisher: PublisherDep
) -> StatementImportResult:
    """Import a camt.053 statement in the bank profile's version: settled payouts are marked, returned ones reversed."""
    return await service.import_statement(session, publisher, principal, await request.body())
