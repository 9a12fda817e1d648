"""Every timestamp any service answers with carries its zone, on SQLite as on PostgreSQL.

Each service walks a journey that creates every kind of record it keeps, then every GET operation of its
OpenAPI document is called (ids taken from its database) and every date-time in every answer, whatever the
format, must end in `Z` or an offset. A GET operation the test does not know how to call fails it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from shared.auth import CallerKind
from shared.schemas.catalogue import partner_event_types
from tests.asylum.api import factories as asylum_api
from tests.asylum.conftest import CHEAP_HASHING
from tests.conftest import AppStarter
from tests.eligibility.api.test_change_events import walk_the_journey as walk_eligibility
from tests.harness import Harness, Tokens, serve
from tests.payments.service.test_change_events_api import walk_the_journey as walk_payments
from tests.shared.webhooks.helpers import partner as webhook_partner
from tests.shared.webhooks.helpers import subscribe
from tests.testimony.api import factories as testimony_api

# A date and a time of day, then (perhaps) a zone: `2026-11-27T10:00:00.123456Z`, `2026-11-27 10:00+01:00`.
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?P<zone>Z|[+-]\d{2}:?\d{2})?")

# For each GET path with parameters: the query that finds values for them (partner DE's records).
PATH_VALUES: dict[str, str] = {
    "/v1/applicants/{applicant_id}": "SELECT id AS applicant_id FROM applicants WHERE partner_id = 'DE'",
    "/v1/applicants/{applicant_id}/assessments": "SELECT applicant_id FROM assessments WHERE partner_id = 'DE'",
    "/v1/applicants/{applicant_id}/screening-hits": "SELECT applicant_id FROM screening_hits",
    "/v1/duplicate-conflicts/{reference}": "SELECT id AS reference FROM duplicate_conflicts",
    "/v1/policies/{version}": "SELECT version FROM policies WHERE partner_id = 'DE'",
    "/v1/assessments/{assessment_id}": "SELECT id AS assessment_id FROM assessments WHERE partner_id = 'DE'",
    "/v1/appeals/{appeal_id}": "SELECT id AS appeal_id FROM appeals WHERE partner_id = 'DE'",
    "/v1/intake-jobs/{job_id}": "SELECT id AS job_id FROM intake_jobs WHERE partner_id = 'DE'",
    "/v1/intake-jobs/{job_id}/rows": "SELECT id AS job_id FROM intake_jobs WHERE partner_id = 'DE'",
    "/v1/sanctions-screening-jobs/{job_id}": "SELECT id AS job_id FROM rescreening_jobs",
    "/v1/erasure-requests/{request_id}": "SELECT id AS request_id FROM erasure_requests",
    "/v1/accounts/{account_id}": "SELECT id AS account_id FROM accounts WHERE partner_id = 'DE'",
    "/v1/transfers/{transfer_id}": "SELECT id AS transfer_id FROM transfers WHERE partner_id = 'DE'",
    "/v1/obligations/{obligation_id}": "SELECT id AS obligation_id FROM obligations WHERE partner_id = 'DE'",
    "/v1/payouts/{payout_id}": "SELECT id AS payout_id FROM payouts WHERE partner_id = 'DE'",
    "/v1/manual-releases/{release_id}": "SELECT id AS release_id FROM manual_releases WHERE partner_id = 'DE'",
    "/v1/audit/partners/{partner_id}/entries": "SELECT 'DE' AS partner_id",
    "/v1/audit/partners/{partner_id}/trial-balance": "SELECT 'DE' AS partner_id",
    "/v1/audit/partners/{partner_id}/accounts/{account_id}/statement": (
        "SELECT partner_id, id AS account_id FROM accounts WHERE partner_id = 'DE'"
    ),
    "/v1/audit/partners/{partner_id}/balance-check": "SELECT 'DE' AS partner_id",
    "/v1/audit/partners/{partner_id}/checkpoints": "SELECT 'DE' AS partner_id",
    "/v1/audit/partners/{partner_id}/export": "SELECT 'DE' AS partner_id",
    "/v1/cases/{case_id}": "SELECT id AS case_id FROM cases WHERE partner_id = 'DE'",
    "/v1/cases/{case_id}/history": "SELECT id AS case_id FROM cases WHERE partner_id = 'DE'",
    "/v1/cases/{case_id}/dependants": "SELECT DISTINCT case_id FROM dependants",
    "/v1/cases/{case_id}/access-grants": "SELECT DISTINCT case_id FROM access_grants",
    "/v1/shared-cases/{case_id}": "SELECT case_id FROM access_grants WHERE revoked_at IS NULL",
    "/v1/testimonies/{testimony_id}": "SELECT id AS testimony_id FROM testimonies WHERE partner_id = 'DE'",
    "/v1/testimonies/{testimony_id}/consents": "SELECT id AS testimony_id FROM testimonies WHERE partner_id = 'DE'",
    "/v1/testimonies/{testimony_id}/derivatives": "SELECT testimony_id FROM derivatives WHERE partner_id = 'DE'",
    "/v1/testimonies/{testimony_id}/derivatives/{derivative_id}": (
        "SELECT testimony_id, id AS derivative_id FROM derivatives WHERE partner_id = 'DE'"
    ),
    "/v1/testimonies/{testimony_id}/derivatives/{derivative_id}/coverage": (
        "SELECT testimony_id, id AS derivative_id FROM derivatives WHERE partner_id = 'DE'"
    ),
    "/v1/testimonies/{testimony_id}/publications": "SELECT testimony_id FROM publications WHERE partner_id = 'DE'",
    "/v1/publications/{publication_id}": "SELECT id AS publication_id FROM publications WHERE partner_id = 'DE'",
    "/v1/webhook-subscriptions/{subscription_id}": (
        "SELECT id AS subscription_id FROM webhook_subscriptions WHERE partner_id = 'DE'"
    ),
    "/public/testimonies/{publication_id}": "SELECT id AS publication_id FROM publications",
    "/public/testimonies/{publication_id}/item.json": "SELECT id AS publication_id FROM publications",
    "/public/testimonies/{publication_id}/manifest.jws": "SELECT id AS publication_id FROM publications",
    "/public/testimonies/{publication_id}/media/{name}": (
        "SELECT p.id AS publication_id, m.name FROM publications p JOIN derivative_media m "
        "ON m.derivative_id = p.derivative_id"
    ),
}
NGO = "NGO-A"


def zoneless(body: str) -> list[str]:
    """Every date-time in a body that names no zone."""
    return [found.group(0) for found in DATE_TIME.finditer(body) if found.group("zone") is None]


def test_the_scan_finds_a_date_time_without_a_zone() -> None:
    assert zoneless('{"at": "2026-11-27T10:00:00.242664"}') == ["2026-11-27T10:00:00.242664"]
    assert zoneless("at 2026-11-27 10:00, on 2026-11-27") == ["2026-11-27 10:00"]
    assert zoneless('{"a": "2026-11-27T10:00:00Z", "b": "2026-11-27T10:00:00+00:00", "c": "2026-11-27"}') == []


async def journey_eligibility(h: Harness, tokens: Tokens) -> None:
    await walk_eligibility(h, tokens)
    # Asked only, never approved: nothing is destroyed in the vault the tests share.
    asked = await h.client.post(
        "/v1/erasure-requests",
        json={"partner_id": "XX", "confirmation": "XX"},
        headers=tokens.headers("platform", CallerKind.operator, "keys:erase", subject="alice"),
    )
    assert asked.status_code == 201, asked.text


async def journey_payments(h: Harness, tokens: Tokens) -> None:
    await walk_payments(h, tokens)


async def journey_asylum(h: Harness, tokens: Tokens) -> None:
    case = await asylum_api.open_case(h, tokens)
    moved = await asylum_api.move(h, tokens, case["id"], "lodged")
    assert moved.status_code == 200, moved.text
    child = {"relation": "child", "name": "Маша Петрова", "birth_date": "2019-05-02"}
    headers = asylum_api.officer(tokens)
    added = await h.client.post(f"/v1/cases/{case['id']}/dependants", json=child, headers=headers)
    assert added.status_code == 201, added.text
    decided = await h.client.post(
        f"/v1/cases/{case['id']}/dependants/{added.json()['id']}/decision",
        json={"decision": "granted", "reason": "child of the applicant"},
        headers=headers,
    )
    assert decided.status_code == 200, decided.text
    granted = await h.client.post(
        f"/v1/cases/{case['id']}/access-grants", json={"ngo_org": NGO, "level": "full"}, headers=headers
    )
    assert granted.status_code == 201, granted.text


async def journey_testimony(h: Harness, tokens: Tokens) -> None:
    await testimony_api.published_testimony(h, tokens, media=testimony_api.image_with_gps())


JOURNEYS: dict[str, Callable[[Harness, Tokens], Awaitable[None]]] = {
    "eligibility": journey_eligibility,
    "payments": journey_payments,
    "asylum": journey_asylum,
    "testimony": journey_testimony,
}


def headers_for(tokens: Tokens, operation: dict[str, Any]) -> dict[str, str]:
    """A token with exactly what the operation documents it needs."""
    if operation.get("x-public") or "x-caller-kinds" not in operation:
        return {}
    kind = CallerKind(operation["x-caller-kinds"][0])
    scopes = operation["x-required-scopes"]
    org = {CallerKind.partner: "DE", CallerKind.ngo: NGO, CallerKind.service: "PROGRAMME"}.get(kind, "AUDIT-FIRM")
    mandates = ("DE",) if kind is CallerKind.auditor else ()
    return {"Authorization": f"Bearer {tokens.mint(org, kind, *scopes, mandates=mandates)}"}


async def urls_of(h: Harness, path: str) -> list[str]:
    """The concrete URLs of one GET path: itself, or filled with each set of values its query finds."""
    if "{" not in path:
        return [path]
    assert path in PATH_VALUES, f"{h.name}: add a query for the parameters of GET {path} to PATH_VALUES"
    async with h.app.state.engine.connect() as conn:
        rows = (await conn.execute(text(PATH_VALUES[path]))).mappings().all()
    assert rows, f"{h.name}: the journey left nothing to read at GET {path}"
    return [path.format(**{key: str(value) for key, value in row.items()}) for row in rows]


@pytest.mark.anyio
@pytest.mark.parametrize("service", sorted(JOURNEYS))
async def test_every_timestamp_every_resource_answers_with_carries_its_zone(
    service: str, starter: AppStarter, tokens: Tokens
) -> None:
    overrides = CHEAP_HASHING if service == "asylum" else {}
    app, settings = starter.create(service, **overrides)
    async with serve(app) as client:
        h = Harness(service, app, client, settings, settings.database_url)
        # A partner subscribed to everything it may, with a rotated secret: its deliveries are read back too.
        subscription = await subscribe(h, tokens, "DE", sorted(partner_event_types(service)))
        rotated = await client.post(
            f"/v1/webhook-subscriptions/{subscription['id']}/rotate-secret", headers=webhook_partner(tokens, "DE")
        )
        assert rotated.status_code == 200, rotated.text
        await JOURNEYS[service](h, tokens)
        found: dict[str, int] = {}
        for path, item in app.openapi()["paths"].items():
            if "get" not in item:
                continue
            for url in await urls_of(h, path):
                answer = await client.get(url, headers=headers_for(tokens, item["get"]))
                assert answer.status_code == 200, f"GET {url}: {answer.status_code} {answer.text[:300]}"
                assert not zoneless(answer.text), f"GET {url} answers date-times without a zone"
                found[path] = found.get(path, 0) + len(DATE_TIME.findall(answer.text))
    # The walk really read timestamps back from the database, not only answers of the moment of creation.
    assert sum(found.values()) >= 10, found
    assert len([path for path, count in found.items() if count]) >= 3, found
