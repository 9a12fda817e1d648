"""Plain factory functions for the asylum API tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import CallerKind
from shared.schemas.events import APPLICANT_APPROVED
from shared.tenancy import ALL_TENANTS, scope_to_tenant
from tests.harness import Harness, Tokens, signed_headers

OFFICER_SCOPES = ("cases:read", "cases:write", "cases:consent", "cases:transfer", "cases:protection")
ROAD_TO_GRANT = ("lodged", "interview_scheduled", "interviewed", "granted")


def officer(tokens: Tokens, org: str = "DE", *scopes: str) -> dict[str, str]:
    """Headers of a partner officer with every case scope unless told otherwise."""
    return tokens.partner(org, *(scopes or OFFICER_SCOPES), subject=f"officer@{org}")


def ngo(tokens: Tokens, org: str = "NGO-A") -> dict[str, str]:
    """Headers of an NGO allowed to read shared cases."""
    return tokens.headers(org, CallerKind.ngo, "shared-cases:read")


def approval_without_case(org: str, applicant_id: str) -> dict[str, Any]:
    """An approval under `org` that opens no case by itself (no asylum or residence track)."""
    return {
        "applicant_id": applicant_id,
        "assessment_id": str(uuid.uuid4()),
        "partner_id": org,
        "tier": "specialist",
        "policy_version": f"{org}-2026-1",
        "approved_on": "2026-11-26",
        "entitlements": {},
    }


async def approve(h: Harness, org: str = "DE", applicant_id: str | None = None) -> str:
    """Let asylum hear eligibility's approval of an applicant under `org`, so the partner may open a case."""
    applicant_id = applicant_id or str(uuid.uuid4())
    delivered = await send_event(h, APPLICANT_APPROVED, approval_without_case(org, applicant_id))
    assert delivered.status_code == 204, delivered.text
    return applicant_id


async def open_case(
    h: Harness, tokens: Tokens, org: str = "DE", applicant_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    """Approve an applicant under `org`, then open a case over the API (`fields` add to the request).

    The answer includes the applicant's secret.
    """
    applicant_id = await approve(h, org, applicant_id)
    response = await h.client.post(
        "/v1/cases", json={"applicant_id": applicant_id, **fields}, headers=officer(tokens, org)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def move(h: Harness, tokens: Tokens, case_id: str, *states: str, org: str = "DE") -> httpx.Response:
    """Move a case through states in order, stopping at the first refusal."""
    response: httpx.Response | None = None
    for state in states:
        response = await h.client.post(
            f"/v1/cases/{case_id}/transitions",
            json={"to_state": state, "reason": f"step to {state}"},
            headers=officer(tokens, org),
        )
        if response.status_code != 200:
            return response
    assert response is not None
    return response


async def lookup(h: Harness, reference: str, secret: str, **extra: Any) -> httpx.Response:
    """Ask for a case's status as the applicant."""
    return await h.client.post("/v1/status-lookup", json={"reference": reference, "secret": secret, **extra})


async def send_event(h: Harness, event_type: str, data: dict[str, Any], event_id: str | None = None) -> httpx.Response:
    """Deliver a signed event to the app as a peer service would."""
    return await deliver_event(h.client, h.settings.var_dir, event_type, data, event_id)


async def deliver_event(
    client: httpx.AsyncClient, var_dir: Path, event_type: str, data: dict[str, Any], event_id: str | None = None
) -> httpx.Response:
    """Deliver an event signed by eligibility's development key through `client`."""
    event_id = event_id or str(uuid.uuid4())
    envelope = {
        "id": event_id,
        "type": event_type,
        "source": "eligibility",
        "occurred_at": "2026-11-26T10:00:00Z",
        "partner_id": data.get("partner_id"),
        "data": data,
    }
    body = json.dumps(envelope).encode()
    headers = signed_headers(var_dir, "eligibility", body, event_id)
    return await client.post("/v1/events", content=body, headers=headers)


@asynccontextmanager
async def database(h: Harness) -> AsyncIterator[AsyncSession]:
    """A session on the app's database that sees every partner's rows (for checking storage)."""
    async with h.app.state.sessionmaker() as session:
        scope_to_tenant(session, ALL_TENANTS)
        yield session
