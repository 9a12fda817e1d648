"""The access matrix on real records: what partner DE owns answers DE, and tells no one else that it exists.

The generated matrix (`test_access_matrix.py`) checks every operation's rule on ids that do not exist. Here the
whole journey runs first for partner DE (applicant, assessment, case shared with one NGO, funding, obligations,
payouts, transfers, a published testimony), and every operation whose path names those records is called with
their real ids, by each kind of caller, each holding the scopes the operation asks for:

- DE, the owner: every read of its records answers 200;
- another partner, an NGO without a grant, auditors, a service, no token: the very answer they get for an id that
  does not exist (a 404 stays a 404, never a 403 or a 200), so nothing tells them the record is there;
- the NGO the case was shared with reads that case among its shared cases, and nothing else of DE's.

Reads run as every caller; changes run only as callers other than DE (DE's own changes are the flow tests').
Public operations (the published testimonies) are left out: they answer everyone alike by design.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from shared.auth import CallerKind
from tests.conftest import AppStarter
from tests.flows.conftest import start_system
from tests.flows.journey import publish_testimony, run_journey
from tests.harness import Tokens, producer

MISSING = "01900000-0000-7000-8000-000000000000"
GRANTED_NGO = "NGO-A"
# Reads of DE's records that do not answer 200 to DE itself, and why.
OWNER_READ_EXCEPTIONS: dict[str, str] = {}


@dataclass(frozen=True)
class Caller:
    name: str
    org: str | None  # None: no token
    kind: CallerKind | None
    mandates: tuple[str, ...] = ()

    def headers(self, tokens: Tokens, var_dir: Path, service: str, scopes: list[str]) -> dict[str, str]:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        if self.kind is None or self.org is None:
            return key
        if self.kind is CallerKind.service:
            token = producer(var_dir, self.org).issue_token(service, scopes or ["none"])
        else:
            token = tokens.mint(self.org, self.kind, *scopes, mandates=self.mandates)
        return {**key, "Authorization": f"Bearer {token}"}


OWNER = Caller("partner DE (owner)", "DE", CallerKind.partner)
GRANTED = Caller(f"NGO {GRANTED_NGO} (granted)", GRANTED_NGO, CallerKind.ngo)
OTHERS = (
    Caller("partner PL", "PL", CallerKind.partner),
    Caller("NGO NGO-B (no grant)", "NGO-B", CallerKind.ngo),
    Caller("auditor mandated for DE", "AUDIT-FIRM", CallerKind.auditor, ("DE",)),
    Caller("auditor mandated for PL", "AUDIT-FIRM", CallerKind.auditor, ("PL",)),
    Caller("operator", "OPS", CallerKind.operator),
    Caller("service eligibility", "eligibility", CallerKind.service),
    Caller("no token", None, None),
)


def _path(template: str, ids: dict[str, str], real: bool) -> str | None:
    """The template with DE's ids (or ids that do not exist); None when it names a record not in `ids`."""
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end]
        if name not in ids:
            return None
        path = path[:start] + (ids[name] if real else MISSING) + path[end + 1 :]
    return path


async def test_real_records_answer_their_owner_and_leak_to_no_one(
    starter: AppStarter, tokens: Tokens, var_dir: Path
) -> None:
    async with start_system(starter) as system:
        journey = await run_journey(system, tokens)
        await system.deliver_events()
        published = await publish_testimony(system, tokens, journey.approved.applicant_id)
        case_id = journey.approved.case_id
        shared = await system.clients["asylum"].post(
            f"/v1/cases/{case_id}/access-grants",
            json={"ngo_org": GRANTED_NGO, "level": "full"},
            headers=OWNER.headers(tokens, var_dir, "asylum", ["cases:consent"]),
        )
        assert shared.status_code == 201, shared.text
        payout = journey.granted_payout
        subscriptions = {}
        for service in ("eligibility", "payments", "asylum", "testimony"):
            event_types = sorted(system.apps[service].state.publisher.catalogue or [])[:1]
            subscribed = await system.clients[service].post(
                "/v1/webhook-subscriptions",
                json={"url": "https://hooks.partner.example/carrots", "event_types": event_types, "description": "DE"},
                headers=OWNER.headers(tokens, var_dir, service, ["webhooks:write", "webhooks:read"]),
            )
            assert subscribed.status_code == 201, subscribed.text
            subscriptions[service] = str(subscribed.json()["id"])
        ids: dict[str, dict[str, str]] = {
            "eligibility": {
                "subscription_id": subscriptions["eligibility"],
                "applicant_id": journey.approved.applicant_id,
                "assessment_id": str(journey.approved.assessment["id"]),
            },
            "payments": {
                "subscription_id": subscriptions["payments"],
                "account_id": journey.funding_id,
                "payout_id": str(payout["id"]),
                "obligation_id": str(payout["obligation_id"]),
                "transfer_id": str(payout["transfer_id"]),
                "applicant_id": journey.approved.applicant_id,
            },
            "asylum": {
                "subscription_id": subscriptions["asylum"],
                "case_id": case_id,
                "grant_id": str(shared.json()["id"]),
            },
            "testimony": {
                "subscription_id": subscriptions["testimony"],
                "record_id": str(published["consent"]["record_id"]),
                "testimony_id": str(published["testimony_id"]),
                "publication_id": str(published["publication"]["id"]),
            },
        }
        cells = 0
        leaks: list[str] = []
        owner_refused: list[str] = []
        outcomes: Counter[int] = Counter()
        granted_reads: dict[str, int] = {}
        for service, records in ids.items():
            client = system.clients[service]
            document = system.apps[service].openapi()
            for template, operations in document["paths"].items():
                real_path, missing_path = _path(template, records, True), _path(template, records, False)
                if real_path is None or missing_path is None or real_path == missing_path:
                    continue
                for method, operation in operations.items():
                    if operation.get("x-public"):
                        continue  # published for everyone by design (the public feed of testimonies)
                    scopes = list(operation.get("x-required-scopes", []))
                    body: dict[str, Any] | None = None if method == "get" else {}

                    async def call(
                        caller: Caller,
                        path: str,
                        client: httpx.AsyncClient = client,
                        method: str = method,
                        service: str = service,
                        scopes: list[str] = scopes,
                        body: dict[str, Any] | None = body,
                    ) -> httpx.Response:
                        headers = caller.headers(tokens, var_dir, service, scopes)
                        return await client.request(method, path, headers=headers, json=body)

                    where = f"{service} {method.upper()} {template}"
                    for caller in (*OTHERS, GRANTED):
                        on_real, on_missing = await call(caller, real_path), await call(caller, missing_path)
                        cells += 1
                        outcomes[on_real.status_code] += 1
                        if caller is GRANTED and method == "get" and template.startswith("/v1/shared-cases/"):
                            granted_reads[template] = on_real.status_code
                            continue
                        if on_real.status_code != on_missing.status_code or on_real.status_code >= 500:
                            leaks.append(f"{where} as {caller.name}: {on_real.status_code}, {on_missing.status_code}")
                    if method == "get" and "partner" in operation.get("x-caller-kinds", []):
                        on_real = await call(OWNER, real_path)
                        cells += 1
                        outcomes[on_real.status_code] += 1
                        if on_real.status_code != 200 and where not in OWNER_READ_EXCEPTIONS:
                            owner_refused.append(f"{where}: {on_real.status_code} {on_real.text[:200]}")
        ngo_list = await system.clients["asylum"].get(
            "/v1/shared-cases", headers=GRANTED.headers(tokens, var_dir, "asylum", ["shared-cases:read"])
        )
    print(
        f"\naccess on real records: {cells} cells over {sum(len(r) for r in ids.values())} records, "
        f"{len(OTHERS) + 2} callers, outcomes {dict(sorted(outcomes.items()))}, {len(leaks)} leaks"
    )
    assert leaks == [], "answers that differ between a real record and a missing one:\n" + "\n".join(leaks)
    assert owner_refused == [], "\n".join(owner_refused)
    assert granted_reads, "no shared-case read was checked"
    assert set(granted_reads.values()) == {200}, granted_reads
    assert ngo_list.status_code == 200
    assert [item["case_id"] for item in ngo_list.json()["items"]] == [case_id]
