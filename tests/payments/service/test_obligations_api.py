import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from services.payments.releases.models import ManualRelease
from shared.schemas.events import APPLICANT_APPROVED, CASE_STATUS_CHANGED
from shared.tenancy import ALL_TENANTS, scope_to_tenant
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import (
    approval,
    approve_applicant,
    case_changed,
    grant_asylum,
    obligations_of,
    officer,
    release_by_hand,
    request_release,
    send_event,
    verify_arrival,
)


async def test_an_approval_becomes_tranches_and_stipend_months(payments: Harness, tokens: Tokens) -> None:
    await approve_applicant(
        payments,
        applicant_id="app-1",
        tranches=[(2_500_000, "verified_arrival"), (7_500_000, "asylum_granted")],
        stipend=(300_000, 3),
        approved_on=date(2026, 1, 31),
    )
    obligations = await obligations_of(payments, officer(tokens), "app-1")
    summary = [(o["key"], o["amount_minor"], o["trigger"], o["due_on"], o["status"]) for o in obligations]
    assert sorted(summary) == [
        ("bounty:0:tranche:0", 2_500_000, "verified_arrival", None, "waiting"),
        ("bounty:0:tranche:1", 7_500_000, "asylum_granted", None, "waiting"),
        ("stipend:0:month:0", 300_000, "stipend_month", "2026-01-31", "waiting"),
        ("stipend:0:month:1", 300_000, "stipend_month", "2026-02-28", "waiting"),
        ("stipend:0:month:2", 300_000, "stipend_month", "2026-03-31", "waiting"),
    ]


async def test_a_repeated_approval_event_changes_nothing(payments: Harness, tokens: Tokens) -> None:
    data = approval(applicant_id="app-2")
    event_id = str(uuid.uuid4())
    for _ in range(3):
        assert (await send_event(payments, APPLICANT_APPROVED, data, event_id=event_id)).status_code == 204
    # A second delivery under a new event id of the same assessment adds nothing either.
    assert (await send_event(payments, APPLICANT_APPROVED, data)).status_code == 204
    assert len(await obligations_of(payments, officer(tokens), "app-2")) == 2


async def test_an_approval_sent_by_another_service_is_refused(payments: Harness, tokens: Tokens) -> None:
    response = await send_event(payments, APPLICANT_APPROVED, approval(applicant_id="app-3"), source="asylum")
    assert response.status_code == 401
    assert await obligations_of(payments, officer(tokens), "app-3") == []


async def test_entitlements_that_do_not_add_up_are_refused_and_nothing_is_written(
    payments: Harness, tokens: Tokens
) -> None:
    data = approval(applicant_id="app-4")
    data["entitlements"]["bounty"]["total_minor"] += 1
    response = await send_event(payments, APPLICANT_APPROVED, data)
    assert response.status_code == 422
    assert await obligations_of(payments, officer(tokens), "app-4") == []


async def test_approval_tranches_are_released_at_once_and_booked_as_payable(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    await approve_applicant(payments, applicant_id="app-5", tranches=[(1_000, "approval"), (3_000, "asylum_granted")])
    statuses = {o["trigger"]: o["status"] for o in await obligations_of(payments, headers, "app-5")}
    assert statuses == {"approval": "due", "asylum_granted": "waiting"}
    accounts = {
        a["kind"]: a["balance_minor"]
        for a in (await payments.client.get("/v1/accounts", headers=headers)).json()["items"]
    }
    assert accounts == {"programme_liability": 1_000, "beneficiary_payable": -1_000}


async def test_asylum_granted_releases_only_the_tranches_waiting_for_it(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    await approve_applicant(payments, applicant_id="app-6")
    await approve_applicant(payments, applicant_id="app-7")
    await send_event(payments, CASE_STATUS_CHANGED, case_changed("app-6", "interviewed"))
    assert {o["status"] for o in await obligations_of(payments, headers, "app-6")} == {"waiting"}
    await grant_asylum(payments, "app-6")
    statuses = {o["trigger"]: o["status"] for o in await obligations_of(payments, headers, "app-6")}
    assert statuses == {"verified_arrival": "waiting", "asylum_granted": "due"}
    assert {o["status"] for o in await obligations_of(payments, headers, "app-7")} == {"waiting"}


async def test_a_grant_after_a_case_transfer_releases_the_first_partners_tranche(
    payments: Harness, tokens: Tokens
) -> None:
    de, pl = officer(tokens, "DE"), officer(tokens, "PL")
    await approve_applicant(payments, partner_id="DE", applicant_id="app-moved", tranches=[(30_000, "asylum_granted")])
    await approve_applicant(payments, partner_id="DE", applicant_id="app-stays", tranches=[(40_000, "asylum_granted")])
    # The case moved from DE to PL: its status events now carry PL, the obligation is still DE's.
    await grant_asylum(payments, "app-moved", partner_id="PL", holders=["DE", "PL"])
    (moved,) = await obligations_of(payments, de, "app-moved")
    assert (moved["partner_id"], moved["status"]) == ("DE", "due")
    assert {o["status"] for o in await obligations_of(payments, de, "app-stays")} == {"waiting"}
    # The release is booked in DE's ledger; PL holds no obligation and no money moved there.
    balances = {
        a["kind"]: a["balance_minor"] for a in (await payments.client.get("/v1/accounts", headers=de)).json()["items"]
    }
    assert balances == {"programme_liability": 30_000, "beneficiary_payable": -30_000}
    assert await obligations_of(payments, pl, "app-moved") == []
    assert (await payments.client.get("/v1/accounts", headers=pl)).json()["items"] == []


async def test_another_partners_case_events_release_nothing_of_de(payments: Harness, tokens: Tokens) -> None:
    de, fr = officer(tokens, "DE"), officer(tokens, "FR")
    await approve_applicant(payments, partner_id="DE", applicant_id="app-de", tranches=[(30_000, "asylum_granted")])
    await approve_applicant(payments, partner_id="FR", applicant_id="app-de", tranches=[(20_000, "asylum_granted")])
    # FR's own case for the same person is granted: FR's tranche is released, DE's keeps waiting.
    await grant_asylum(payments, "app-de", partner_id="FR")
    assert [o["status"] for o in await obligations_of(payments, fr, "app-de")] == ["due"]
    assert [o["status"] for o in await obligations_of(payments, de, "app-de")] == ["waiting"]
    # Every protected state, on a case that passed through PL and FR but never DE, releases nothing of DE's.
    for state in ("granted", "appeal_granted", "residence_permit", "permanent_residence", "naturalised"):
        changed = case_changed("app-de", state, "FR", holders=["PL", "FR"])
        assert (await send_event(payments, CASE_STATUS_CHANGED, changed)).status_code == 204
    assert [o["status"] for o in await obligations_of(payments, de, "app-de")] == ["waiting"]
    balances = {
        a["kind"]: a["balance_minor"] for a in (await payments.client.get("/v1/accounts", headers=de)).json()["items"]
    }
    assert balances == {}
    # Nor does it count as having happened for DE: DE's next approval still waits for its own grant.
    await approve_applicant(
        payments,
        partner_id="DE",
        applicant_id="app-de",
        tranches=[(35_000, "asylum_granted")],
        approved_on=date(2026, 12, 1),
    )
    statuses = {o["amount_minor"]: o["status"] for o in await obligations_of(payments, de, "app-de")}
    assert statuses == {30_000: "superseded", 35_000: "waiting"}


async def test_a_grant_releases_every_partner_along_the_transfer_chain_and_no_one_else(
    payments: Harness, tokens: Tokens
) -> None:
    for partner, amount in (("DE", 10_000), ("PL", 20_000), ("FR", 30_000), ("SE", 40_000)):
        await approve_applicant(
            payments, partner_id=partner, applicant_id="app-chain", tranches=[(amount, "asylum_granted")]
        )
    # DE opened the case and handed it to PL, which handed it to FR; FR grants. SE never held it.
    await grant_asylum(payments, "app-chain", partner_id="FR", holders=["DE", "PL", "FR"])
    statuses = {
        partner: [o["status"] for o in await obligations_of(payments, officer(tokens, partner), "app-chain")]
        for partner in ("DE", "PL", "FR", "SE")
    }
    assert statuses == {"DE": ["due"], "PL": ["due"], "FR": ["due"], "SE": ["waiting"]}


async def test_a_case_event_whose_holders_do_not_end_with_the_holder_is_refused_and_changes_nothing(
    payments: Harness, tokens: Tokens
) -> None:
    await approve_applicant(payments, partner_id="DE", applicant_id="app-odd", tranches=[(30_000, "asylum_granted")])
    changed = case_changed("app-odd", "granted", "FR", holders=["FR", "DE"])
    refused = await send_event(payments, CASE_STATUS_CHANGED, changed)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [o["status"] for o in await obligations_of(payments, officer(tokens), "app-odd")] == ["waiting"]


async def test_a_verified_arrival_releases_the_arrival_tranche(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    await approve_applicant(payments, applicant_id="app-8")
    await verify_arrival(payments, "app-8")
    released = {
        o["trigger"]: (o["status"], o["release_basis"]) for o in await obligations_of(payments, headers, "app-8")
    }
    assert released == {"verified_arrival": ("due", "event"), "asylum_granted": ("waiting", None)}
    # Heard again (a repeat under a new event id), it releases nothing more.
    await verify_arrival(payments, "app-8")
    assert [o["status"] for o in await obligations_of(payments, headers, "app-8")].count("due") == 1


async def test_an_arrival_heard_before_the_approval_releases_the_tranche_when_the_approval_comes(
    payments: Harness, tokens: Tokens
) -> None:
    await verify_arrival(payments, "app-early")
    await approve_applicant(payments, applicant_id="app-early")
    released = {o["trigger"]: o["status"] for o in await obligations_of(payments, officer(tokens), "app-early")}
    assert released == {"verified_arrival": "due", "asylum_granted": "waiting"}


async def test_an_approval_that_says_the_arrival_was_verified_releases_the_tranche_at_once(
    payments: Harness, tokens: Tokens
) -> None:
    response = await send_event(
        payments, APPLICANT_APPROVED, {**approval(applicant_id="app-here"), "arrival_verified": True}
    )
    assert response.status_code == 204, response.text
    released = {o["trigger"]: o["status"] for o in await obligations_of(payments, officer(tokens), "app-here")}
    assert released == {"verified_arrival": "due", "asylum_granted": "waiting"}


async def test_an_arrival_recorded_by_another_partner_releases_nothing(payments: Harness, tokens: Tokens) -> None:
    await approve_applicant(payments, applicant_id="app-de", partner_id="DE")
    await verify_arrival(payments, "app-de", partner_id="PL")
    assert {o["status"] for o in await obligations_of(payments, officer(tokens, "DE"), "app-de")} == {"waiting"}


async def test_a_grant_heard_before_the_approval_releases_the_grant_tranche_when_the_approval_comes(
    payments: Harness, tokens: Tokens
) -> None:
    await grant_asylum(payments, "app-granted-early")
    await approve_applicant(payments, applicant_id="app-granted-early")
    released = {o["trigger"]: o["status"] for o in await obligations_of(payments, officer(tokens), "app-granted-early")}
    assert released == {"verified_arrival": "waiting", "asylum_granted": "due"}


async def test_a_release_by_hand_names_its_evidence_and_needs_a_second_officer(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    await approve_applicant(payments, applicant_id="app-hand")
    requested = await request_release(payments, tokens, "app-hand", "verified_arrival", maker="officer-1")
    assert requested.status_code == 201, requested.text
    release = requested.json()
    assert (release["status"], release["requested_by"], release["released_obligation_ids"]) == (
        "pending_approval",
        "officer-1",
        [],
    )
    assert release["evidence"] == {"kind": "border_crossing_record", "reference": "Frankfurt airport log 2026-11-20"}
    assert {o["status"] for o in await obligations_of(payments, headers, "app-hand")} == {"waiting"}

    own = await payments.client.post(
        f"/v1/manual-releases/{release['id']}/approval", headers=officer(tokens, subject="officer-1")
    )
    assert own.status_code == 403
    assert "another officer" in own.json()["detail"]
    assert {o["status"] for o in await obligations_of(payments, headers, "app-hand")} == {"waiting"}

    approved = await payments.client.post(
        f"/v1/manual-releases/{release['id']}/approval", headers=officer(tokens, subject="officer-2")
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["approved_by"]) == ("approved", "officer-2")
    (arrival,) = [o for o in await obligations_of(payments, headers, "app-hand") if o["trigger"] == "verified_arrival"]
    assert (arrival["status"], arrival["release_basis"], arrival["manual_release_id"]) == (
        "due",
        "manual_evidence",
        release["id"],
    )
    assert approved.json()["released_obligation_ids"] == [arrival["id"]]
    read = await payments.client.get(f"/v1/manual-releases/{release['id']}", headers=headers)
    assert read.json()["released_obligation_ids"] == [arrival["id"]]
    again = await payments.client.post(
        f"/v1/manual-releases/{release['id']}/approval", headers=officer(tokens, subject="officer-3")
    )
    assert again.status_code == 409


async def test_the_evidence_reference_is_stored_encrypted(payments: Harness, tokens: Tokens) -> None:
    await approve_applicant(payments, applicant_id="app-secret")
    evidence = {"kind": "witness_statement", "reference": "Statement of Olga Smirnova, 20 Nov"}
    requested = await request_release(payments, tokens, "app-secret", "asylum_granted", evidence=evidence)
    assert requested.status_code == 201, requested.text
    async with payments.app.state.sessionmaker() as session:
        scope_to_tenant(session, ALL_TENANTS)
        stored = (await session.execute(select(ManualRelease.evidence_reference_enc))).scalar_one()
    assert "Smirnova" not in stored
    assert requested.json()["evidence"] == evidence


async def test_a_release_by_hand_must_name_its_evidence(payments: Harness, tokens: Tokens) -> None:
    await approve_applicant(payments, applicant_id="app-noevidence")
    bodies: list[dict[str, Any]] = [
        {"applicant_id": "app-noevidence", "trigger": "verified_arrival"},
        {"applicant_id": "app-noevidence", "trigger": "verified_arrival", "evidence": {"kind": "record"}},
        {
            "applicant_id": "app-noevidence",
            "trigger": "verified_arrival",
            "evidence": {"kind": "Olga Smirnova", "reference": "x"},
        },
        {"applicant_id": "app-noevidence", "trigger": "approval", "evidence": {"kind": "record", "reference": "x"}},
    ]
    for body in bodies:
        response = await payments.client.post("/v1/manual-releases", json=body, headers=officer(tokens))
        assert response.status_code == 422, body
    assert (await payments.client.get("/v1/manual-releases", headers=officer(tokens))).json()["items"] == []


async def test_nothing_waiting_cannot_be_released_by_hand(payments: Harness, tokens: Tokens) -> None:
    await approve_applicant(payments, applicant_id="app-nothing", tranches=[(1_000, "asylum_granted")])
    refused = await request_release(payments, tokens, "app-nothing", "verified_arrival")
    assert refused.status_code == 409
    assert "app-nothing" in refused.json()["detail"]
    assert "verified_arrival" in refused.json()["detail"]


async def test_a_second_request_for_the_same_tranches_waits_for_the_first(payments: Harness, tokens: Tokens) -> None:
    await approve_applicant(payments, applicant_id="app-twice")
    first = await request_release(payments, tokens, "app-twice", "verified_arrival")
    second = await request_release(payments, tokens, "app-twice", "verified_arrival", maker="officer-3")
    assert (first.status_code, second.status_code) == (201, 409)
    assert first.json()["id"] in second.json()["detail"]
    pending = await payments.client.get(
        "/v1/manual-releases", params={"status": "pending_approval"}, headers=officer(tokens)
    )
    assert [r["id"] for r in pending.json()["items"]] == [first.json()["id"]]


async def test_a_grant_tranche_released_by_hand_is_not_taken_as_a_grant(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    first = await approve_applicant(payments, applicant_id="app-not-granted", tranches=[(5_000, "asylum_granted")])
    await release_by_hand(payments, tokens, "app-not-granted", "asylum_granted")
    # A later approval promises a new grant tranche: it waits for the grant itself, which never happened.
    second = await approve_applicant(
        payments, applicant_id="app-not-granted", tranches=[(6_000, "asylum_granted")], approved_on=date(2026, 11, 20)
    )
    standing = {
        o["assessment_id"]: o["status"]
        for o in await obligations_of(payments, headers, "app-not-granted")
        if o["status"] != "superseded"
    }
    assert standing == {second["assessment_id"]: "waiting"}
    assert first["assessment_id"] not in standing


async def test_release_due_releases_stipend_months_up_to_the_date_only(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    await approve_applicant(
        payments, applicant_id="app-9", tranches=[], stipend=(1_000, 4), approved_on=date(2026, 1, 15)
    )
    response = await payments.client.post("/v1/obligations/release-due", json={"as_of": "2026-02-20"}, headers=headers)
    assert sorted(o["due_on"] for o in response.json()["released"]) == ["2026-01-15", "2026-02-15"]
    statuses = sorted((o["due_on"], o["status"]) for o in await obligations_of(payments, headers, "app-9"))
    assert [s for _, s in statuses] == ["due", "due", "waiting", "waiting"]


async def test_a_partner_never_sees_another_partners_obligations(payments: Harness, tokens: Tokens) -> None:
    await approve_applicant(payments, applicant_id="app-10", partner_id="DE")
    mine = await obligations_of(payments, officer(tokens, "DE"), "app-10")
    assert await obligations_of(payments, officer(tokens, "FR"), "app-10") == []
    response = await payments.client.get(f"/v1/obligations/{mine[0]['id']}", headers=officer(tokens, "FR"))
    assert response.status_code == 404
    released = await request_release(payments, tokens, "app-10", "verified_arrival", org="FR")
    assert released.status_code == 409
    assert {o["status"] for o in mine} == {"waiting"}


async def test_one_approvals_obligations_list_by_due_date_then_in_plan_order_on_every_page(
    payments: Harness, tokens: Tokens
) -> None:
    await approve_applicant(
        payments,
        applicant_id="app-order",
        tranches=[
            (100, "verified_arrival"),
            (200, "asylum_granted"),
            (300, "days_after_approval:10"),
            (400, "approval"),
        ],
        stipend=(50, 12),
        approved_on=date(2026, 1, 31),
    )
    headers = officer(tokens)
    listed: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"applicant_id": "app-order", "limit": 3, **({"after": after} if after else {})}
        page = (await payments.client.get("/v1/obligations", params=params, headers=headers)).json()
        listed.extend(page["items"])
        after = page["next_cursor"]
        if after is None:
            break
    due = [o["due_on"] for o in listed]
    dated = [d for d in due if d is not None]
    assert dated == sorted(dated)
    assert due[len(dated) :] == [None, None]
    # Undated tranches (waiting for an event) come last, in the order the approval lists them.
    assert [o["key"] for o in listed][-2:] == ["bounty:0:tranche:0", "bounty:0:tranche:1"]
    assert len({o["id"] for o in listed}) == len(listed) == 16
    again = (await payments.client.get("/v1/obligations", params={"applicant_id": "app-order"}, headers=headers)).json()
    assert [o["id"] for o in again["items"]] == [o["id"] for o in listed]


async def test_a_cursor_not_made_by_the_obligations_list_is_refused(payments: Harness, tokens: Tokens) -> None:
    response = await payments.client.get(
        "/v1/obligations", params={"after": "bm90LWEtY3Vyc29y"}, headers=officer(tokens)
    )
    assert response.status_code == 422
    assert "next_cursor" in response.json()["detail"]


async def test_the_evidence_of_an_erased_partner_reads_as_erased(payments: Harness, tokens: Tokens) -> None:
    await approve_applicant(payments, applicant_id="app-erased")
    requested = await request_release(payments, tokens, "app-erased", "verified_arrival")
    async with payments.app.state.sessionmaker() as session, session.begin():
        await payments.app.state.cipher.destroy_partner_keys(session, "DE")
    read = await payments.client.get(f"/v1/manual-releases/{requested.json()['id']}", headers=officer(tokens))
    assert read.status_code == 200, read.text
    assert read.json()["evidence"] == {"kind": "border_crossing_record", "reference": None}
