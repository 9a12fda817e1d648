"""Every change to a case is announced (ids only); duress stays between the applicant and the protection officer."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from services.asylum.models import tables
from shared.schemas.events import CASE_OPENED, CASE_STATUS_CHANGED
from tests.asylum.api.factories import database, lookup, move, officer, open_case
from tests.harness import Harness, Tokens

CHILD = {"relation": "child", "name": "Маша Петрова", "birth_date": "2019-05-02"}
DECISION_REASON = "separate assessment of the child"
TRANSFER_REASON = "the family lives in Kraków"
DURESS = "sunflower 42"
# Audit actions that record a read of personal data, not a change.
READS = {"dependant.listed", "case.read_by_ngo", "case.alerts_listed"}
# Changes kept out of the event stream on purpose: each would reveal a duress secret or its use.
SILENT = {"case.duress_used", "case.duress_secret_set", "case.alert_acknowledged"}
# Changes announced by the specific event that existed before the generic ones.
SPECIFIC = {"case.opened": CASE_OPENED, "case.transitioned": CASE_STATUS_CHANGED}


async def post(h: Harness, path: str, body: dict[str, Any] | None, headers: dict[str, str] | None = None) -> Any:
    answer = await h.client.post(path, json=body, headers=headers)
    assert answer.status_code in (200, 201, 204), answer.text
    return answer.json() if answer.status_code != 204 else None


async def read_audit(h: Harness) -> list[Any]:
    async with database(h) as session:
        return list((await session.execute(select(tables.audit_log).order_by(tables.audit_log.c.id))).all())


async def read_outbox(h: Harness) -> list[Any]:
    async with database(h) as session:
        return list((await session.execute(select(tables.outbox_events).order_by(tables.outbox_events.c.id))).all())


async def count_outbox(h: Harness) -> int:
    async with database(h) as session:
        return int((await session.execute(select(func.count()).select_from(tables.outbox_events))).scalar_one())


def announced_subject(row: Any) -> tuple[str, str, str | None]:
    """(type, resource id, partner) of an outbox event, whichever contract it follows."""
    data = row.payload["data"]
    return row.type, data.get("resource_id") or data["case_id"], row.partner_id


def expected_subject(row: Any) -> tuple[str, str, str | None]:
    """(type, resource id, partner) of the event an audited change must have produced."""
    return SPECIFIC.get(row.action, f"asylum.{row.action}"), row.resource_id, row.partner_id


async def walk_main_journey(h: Harness, tokens: Tokens) -> dict[str, Any]:
    """Open, move, add and decide for a child, share and unshare (officer and applicant), reissue, transfer."""
    case = await open_case(h, tokens)
    cid = case["id"]
    await move(h, tokens, cid, "lodged")
    child = await post(h, f"/v1/cases/{cid}/dependants", CHILD, officer(tokens))
    await h.client.get(f"/v1/cases/{cid}/dependants", headers=officer(tokens))
    decision = {"decision": "refused", "reason": DECISION_REASON}
    await post(h, f"/v1/cases/{cid}/dependants/{child['id']}/decision", decision, officer(tokens))
    given = await post(h, f"/v1/cases/{cid}/access-grants", {"ngo_org": "NGO-A", "level": "full"}, officer(tokens))
    await post(h, f"/v1/cases/{cid}/access-grants/{given['id']}/revoke", None, officer(tokens))
    creds = {"reference": case["reference"], "secret": case["secret"], "ngo_org": "NGO-B"}
    await post(h, "/v1/status-lookup/access-grants", {**creds, "level": "status"})
    await post(h, "/v1/status-lookup/access-grants/revoke", creds)
    reissued = await post(h, f"/v1/cases/{cid}/applicant-secret", None, officer(tokens))
    await post(h, f"/v1/cases/{cid}/transfer", {"to_partner": "PL", "reason": TRANSFER_REASON}, officer(tokens))
    return {**case, "new_secret": reissued["secret"]}


async def test_every_audited_change_of_the_journey_is_announced_once(cases_api: Harness, tokens: Tokens) -> None:
    await walk_main_journey(cases_api, tokens)
    audit = await read_audit(cases_api)
    changes = [r for r in audit if r.action not in READS | SILENT]
    # The journey touches every kind of announced change, so none can slip out of the comparison.
    assert {r.action for r in changes} >= {
        "case.opened",
        "case.transitioned",
        "dependant.added",
        "dependant.decided",
        "access.granted",
        "access.revoked",
        "case.secret_issued",
        "case.transferred",
    }
    outbox = await read_outbox(cases_api)
    assert Counter(announced_subject(r) for r in outbox) == Counter(expected_subject(r) for r in changes)


async def test_no_announcement_of_the_journey_carries_personal_data(cases_api: Harness, tokens: Tokens) -> None:
    case = await walk_main_journey(cases_api, tokens)
    secrets = [case["secret"], case["new_secret"], case["reference"], CHILD["name"], CHILD["birth_date"]]
    payloads = [str(r.payload) for r in await read_outbox(cases_api)]
    assert payloads
    for text in [*secrets, DECISION_REASON, TRANSFER_REASON, "NGO-A", "NGO-B"]:
        assert not any(text in p for p in payloads), text


async def test_a_transfer_is_announced_to_the_giving_and_the_receiving_partner(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await walk_main_journey(cases_api, tokens)
    transfers = [r for r in await read_outbox(cases_api) if r.type == "asylum.case.transferred"]
    assert sorted(r.partner_id for r in transfers) == ["DE", "PL"]
    assert {r.payload["data"]["resource_id"] for r in transfers} == {case["id"]}


async def test_duress_uses_and_coerced_grants_and_revocations_announce_nothing(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await post(
        cases_api,
        "/v1/status-lookup/duress-secret",
        {"reference": case["reference"], "secret": case["secret"], "duress_secret": DURESS},
    )
    given = await post(
        cases_api, f"/v1/cases/{case['id']}/access-grants", {"ngo_org": "NGO-A", "level": "status"}, officer(tokens)
    )
    assert given["active"]
    before = await count_outbox(cases_api)

    coerced = {"reference": case["reference"], "secret": DURESS}
    assert (await lookup(cases_api, case["reference"], DURESS)).status_code == 200
    await post(cases_api, "/v1/status-lookup/access-grants", {**coerced, "ngo_org": "NGO-X", "level": "full"})
    await post(cases_api, "/v1/status-lookup/access-grants/revoke", {**coerced, "ngo_org": "NGO-A"})
    await post(cases_api, f"/v1/protection-alerts/{case['id']}/acknowledge", None, officer(tokens))

    assert await count_outbox(cases_api) == before
    actions = [r.action for r in await read_audit(cases_api)]
    assert actions.count("case.duress_used") == 3
    assert "case.alert_acknowledged" in actions


async def test_revoking_an_ngo_that_had_no_access_is_audited_but_not_announced(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    before = await count_outbox(cases_api)
    creds = {"reference": case["reference"], "secret": case["secret"], "ngo_org": "NGO-Z"}
    await post(cases_api, "/v1/status-lookup/access-grants/revoke", creds)
    assert await count_outbox(cases_api) == before
    assert "access.revoke_attempted" in [r.action for r in await read_audit(cases_api)]
