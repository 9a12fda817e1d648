"""Auditor HTTP routes: read-only views of the ledgers an auditor is mandated for."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from services.payments.audit import service
from services.payments.deps import SessionMakerDep
from services.payments.domain.tamper.verify import ExportFormat
from services.payments.ledger import checkpoints
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import SessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.payments import AccountStatement, BalanceCheck, CheckpointRead, EntryRead, TrialBalance

router = APIRouter(prefix="/v1/audit/partners/{partner_id}", tags=["audit"])
AUDITOR = requires("ledger:audit", kinds=[CallerKind.auditor])
Since = Annotated[datetime | None, Query(description="From this instant (inclusive).")]
Until = Annotated[datetime | None, Query(description="Up to this instant (exclusive).")]


@router.get("/entries", response_model=Page[EntryRead], responses=problem_responses(401, 403, 404, 422), **AUDITOR)
async def list_entries(
    partner_id: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    account_id: Annotated[str | None, Query(description="Only this account.")] = None,
    currency: Annotated[str | None, Query(description="Only this currency.")] = None,
    since: Since = None,
    until: Until = None,
) -> Page[EntryRead]:
    """List a partner's ledger entries in chain order, filtered by account, currency and period."""
    service.scope_to_mandate(session, principal, partner_id)
    return await service.list_entries(session, page, account_id=account_id, currency=currency, since=since, until=until)


@router.get("/trial-balance", response_model=TrialBalance, responses=problem_responses(401, 403, 404), **AUDITOR)
async def read_trial_balance(partner_id: str, session: SessionDep, principal: CurrentPrincipal) -> TrialBalance:
    """A partner's trial balance per currency, recomputed from the entries."""
    service.scope_to_mandate(session, principal, partner_id)
    return await service.trial_balance(session, partner_id)


@router.get(
    "/accounts/{account_id}/statement",
    response_model=AccountStatement,
    responses=problem_responses(401, 403, 404, 422),
    **AUDITOR,
)
async def read_account_statement(
    partner_id: str,
    account_id: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    since: Since = None,
    until: Until = None,
) -> AccountStatement:
    """One account's movements in a period, with opening and closing balances."""
    service.scope_to_mandate(session, principal, partner_id)
    return await service.account_statement(session, account_id, page, since, until)


@router.get("/balance-check", response_model=BalanceCheck, responses=problem_responses(401, 403, 404), **AUDITOR)
async def check_balances(partner_id: str, session: SessionDep, principal: CurrentPrincipal) -> BalanceCheck:
    """Compare every stored balance with the sum of its entries."""
    service.scope_to_mandate(session, principal, partner_id)
    return await service.check_balances(session, partner_id)


@router.get("/checkpoints", response_model=list[CheckpointRead], responses=problem_responses(401, 403, 404), **AUDITOR)
async def list_checkpoints(partner_id: str, session: SessionDep, principal: CurrentPrincipal) -> list[CheckpointRead]:
    """Every signed checkpoint of a partner's hash chain, oldest first."""
    service.scope_to_mandate(session, principal, partner_id)
    return await checkpoints.list_checkpoints(session, partner_id)


@router.get(
    "/export",
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}, **problem_responses(401, 403, 404)},
    **AUDITOR,
)
async def export_ledger(
    partner_id: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    maker: SessionMakerDep,
    export_format: Annotated[ExportFormat, Query(alias="format", description="`jsonl` (verifiable) or `csv`.")] = (
        ExportFormat.jsonl
    ),
) -> StreamingResponse:
    """Stream a partner's whole ledger; the JSON Lines form carries the hash chain and signed checkpoints."""
    service.scope_to_mandate(session, principal, partner_id)
    await service.audit_export(session, principal, partner_id, export_format)
    media = "application/x-ndjson" if export_format is ExportFormat.jsonl else "text/csv"
    filename = f"ledger-{partner_id}.{export_format.value}"
    return StreamingResponse(
        service.stream_export(maker, partner_id, export_format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
