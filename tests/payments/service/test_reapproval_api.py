"""A later approval of the same applicant replaces the earlier one: never two promises, never paid twice."""

import uuid
from datetime import date
from typing import Any

from shared.schemas.events import APPLICANT_APPROVED
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import (
    approval,
    approve_applicant,
    create_payout,
    execute,
    grant_asylum,
    obligations_of,
    officer,
    open_funding,
    register_bank_account,
    send_event,
    verify_arrival,
)

ARRIVAL_THEN_GRANT = [(100_000, "verified_arrival"), (300_000, "asylum_granted")]


def live(obligations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The obligations that still stand: everything not superseded."""
    return [o for o in obligations if o["status"] != "superseded"]


def summary(obligations: list[dict[str, Any]]) -> list[tuple[str, int, str, str]]:
    """(key, amount, trigger, status) of each obligation, sorted."""
    return sorted((o["key"], o["amount_minor"], o["trigger"], o["status"]) for o in obligations)


async def release_arrival(payments: Harness, headers: dict[str, str], applicant_id: str) -> list[dict[str, Any]]:
    """Eligibility says the arrival was verified; returns the obligations that made due."""
    await verify_arrival(payments, applicant_id)
    obligations = await obligations_of(payments, headers, applicant_id)
    return [o for o in obligations if o["trigger"] == "verified_arrival" and o["status"] == "due"]


async def pay(payments: Harness, tokens: Tokens, obligation_id: str, funding_id: str, *, run: bool = True) -> str:
    """Create a payout, collect the approvals it needs from other officers, and execute it unless told not to."""
    headers = officer(tokens)
    created = await create_payout(payments, headers, obligation_id, funding_id)
    assert created.status_code == 201, created.text
    payout = created.json()
    for n in range(payout["required_approvals"]):
        approved = await payments.client.post(
            f"/v1/payouts/{payout['id']}/approvals", headers=officer(tokens, subject=f"checker-{n}")
        )
        assert approved.status_code == 200, approved.text
    if run:
        assert (await execute(payments, headers, payout["id"])).status_code == 200
    return str(payout["id"])


async def balances(payments: Harness, headers: dict[str, str], currency: str = "USD") -> dict[str, int]:
    listed = (await payments.client.get("/v1/accounts", headers=headers)).json()["items"]
    return {a["kind"]: a["balance_minor"] for a in listed if a["currency"] == currency and a["kind"] != "funding"}


async def test_a_second_approval_replaces_the_first_and_the_bounty_is_promised_once(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    first = await approve_applicant(payments, applicant_id="re-1", tranches=ARRIVAL_THEN_GRANT)
    second = await approve_applicant(
        payments, applicant_id="re-1", tranches=ARRIVAL_THEN_GRANT, approved_on=date(2026, 11, 20)
    )
    obligations = await obligations_of(payments, headers, "re-1")
    assert {o["assessment_id"] for o in live(obligations)} == {second["assessment_id"]}
    assert summary(live(obligations)) == [
        ("bounty:0:tranche:0", 100_000, "verified_arrival", "waiting"),
        ("bounty:0:tranche:1", 300_000, "asylum_granted", "waiting"),
    ]
    replaced = [o for o in obligations if o["assessment_id"] == first["assessment_id"]]
    assert {o["status"] for o in replaced} == {"superseded"}
    assert all(second["assessment_id"] in o["note"] for o in replaced)
    released = await release_arrival(payments, headers, "re-1")
    assert [(o["assessment_id"], o["amount_minor"]) for o in released] == [(second["assessment_id"], 100_000)]


async def test_an_upgrade_from_an_asylum_only_tier_creates_the_bounty_and_a_policy_change_does_not_add_one(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    await approve_applicant(payments, applicant_id="re-2", tranches=[])
    assert await obligations_of(payments, headers, "re-2") == []
    # Service verified: approved again on the bounty tier.
    await approve_applicant(payments, applicant_id="re-2", tranches=ARRIVAL_THEN_GRANT, approved_on=date(2026, 11, 9))
    assert summary(await obligations_of(payments, headers, "re-2")) == [
        ("bounty:0:tranche:0", 100_000, "verified_arrival", "waiting"),
        ("bounty:0:tranche:1", 300_000, "asylum_granted", "waiting"),
    ]
    # A policy change re-approves the same tier with a larger bounty: it replaces the first one.
    larger = [(200_000, "verified_arrival"), (300_000, "asylum_granted")]
    third = await approve_applicant(payments, applicant_id="re-2", tranches=larger, approved_on=date(2026, 12, 1))
    standing = live(await obligations_of(payments, headers, "re-2"))
    assert {o["assessment_id"] for o in standing} == {third["assessment_id"]}
    assert summary(standing) == [
        ("bounty:0:tranche:0", 200_000, "verified_arrival", "waiting"),
        ("bounty:0:tranche:1", 300_000, "asylum_granted", "waiting"),
    ]


async def test_a_later_asylum_only_approval_withdraws_the_unpaid_bounty(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    await approve_applicant(
        payments, applicant_id="re-3", tranches=[(100_000, "approval"), (300_000, "asylum_granted")]
    )
    assert (await balances(payments, headers))["beneficiary_payable"] == -100_000
    await approve_applicant(payments, applicant_id="re-3", tranches=[], approved_on=date(2026, 11, 9))
    assert {o["status"] for o in await obligations_of(payments, headers, "re-3")} == {"superseded"}
    # The released tranche is no longer payable: its release was reversed in the ledger.
    assert await balances(payments, headers) == {"programme_liability": 0, "beneficiary_payable": 0}


async def test_a_reapproval_after_the_first_tranche_was_paid_pays_only_the_remainder(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    await register_bank_account(payments, headers, "re-4")
    await approve_applicant(payments, applicant_id="re-4", tranches=ARRIVAL_THEN_GRANT)
    (arrival,) = await release_arrival(payments, headers, "re-4")
    await pay(payments, tokens, arrival["id"], funding["id"])
    # Same promise again: the paid tranche stands for the new arrival tranche, which is not created.
    second = await approve_applicant(
        payments, applicant_id="re-4", tranches=ARRIVAL_THEN_GRANT, approved_on=date(2026, 11, 9)
    )
    obligations = live(await obligations_of(payments, headers, "re-4"))
    assert summary(obligations) == [
        ("bounty:0:tranche:0", 100_000, "verified_arrival", "paid"),
        ("bounty:0:tranche:1", 300_000, "asylum_granted", "waiting"),
    ]
    assert [o["assessment_id"] for o in obligations if o["status"] == "waiting"] == [second["assessment_id"]]
    await grant_asylum(payments, "re-4")
    assert sum(o["amount_minor"] for o in live(await obligations_of(payments, headers, "re-4"))) == 400_000


async def test_paid_money_is_absorbed_by_the_earliest_tranches_of_a_larger_bounty(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    await register_bank_account(payments, headers, "re-5")
    await approve_applicant(payments, applicant_id="re-5", tranches=ARRIVAL_THEN_GRANT)
    (arrival,) = await release_arrival(payments, headers, "re-5")
    await pay(payments, tokens, arrival["id"], funding["id"])
    bigger = [(60_000, "approval"), (90_000, "verified_arrival"), (850_000, "asylum_granted")]
    await approve_applicant(payments, applicant_id="re-5", tranches=bigger, approved_on=date(2026, 11, 9))
    obligations = live(await obligations_of(payments, headers, "re-5"))
    # 100 000 paid: the first tranche (60 000) is covered, the second is reduced to 50 000 and, since the
    # arrival was already verified, released at once.
    assert summary(obligations) == [
        ("bounty:0:tranche:0", 100_000, "verified_arrival", "paid"),
        ("bounty:0:tranche:1", 50_000, "verified_arrival", "due"),
        ("bounty:0:tranche:2", 850_000, "asylum_granted", "waiting"),
    ]
    assert sum(o["amount_minor"] for o in obligations) == 1_000_000
    reduced = next(o for o in obligations if o["amount_minor"] == 50_000)
    assert reduced["note"] == "reduced by 40000 already paid under earlier approvals"


async def test_a_payout_in_flight_counts_as_paid_and_its_obligation_stands(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    await register_bank_account(payments, headers, "re-6")
    await approve_applicant(payments, applicant_id="re-6", tranches=ARRIVAL_THEN_GRANT)
    (arrival,) = await release_arrival(payments, headers, "re-6")
    payout_id = await pay(payments, tokens, arrival["id"], funding["id"], run=False)
    await approve_applicant(payments, applicant_id="re-6", tranches=ARRIVAL_THEN_GRANT, approved_on=date(2026, 11, 9))
    assert [o["key"] for o in live(await obligations_of(payments, headers, "re-6"))].count("bounty:0:tranche:0") == 1
    assert (await execute(payments, headers, payout_id)).status_code == 200
    assert sum(o["amount_minor"] for o in live(await obligations_of(payments, headers, "re-6"))) == 400_000


async def test_a_superseded_obligation_can_never_be_paid(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    await register_bank_account(payments, headers, "re-7")
    first = await approve_applicant(payments, applicant_id="re-7", tranches=[(50_000, "approval")])
    await approve_applicant(
        payments, applicant_id="re-7", tranches=[(50_000, "approval")], approved_on=date(2026, 11, 9)
    )
    (old,) = [
        o for o in await obligations_of(payments, headers, "re-7") if o["assessment_id"] == first["assessment_id"]
    ]
    assert old["status"] == "superseded"
    refused = await create_payout(payments, headers, old["id"], funding["id"])
    assert refused.status_code == 409, refused.text


async def test_stipend_months_already_paid_count_toward_the_new_number_of_months(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    await register_bank_account(payments, headers, "re-8")
    await approve_applicant(
        payments, applicant_id="re-8", tranches=[], stipend=(1_000, 4), approved_on=date(2026, 1, 15)
    )
    released = await payments.client.post("/v1/obligations/release-due", json={"as_of": "2026-02-20"}, headers=headers)
    january = next(o for o in released.json()["released"] if o["due_on"] == "2026-01-15")
    await pay(payments, tokens, january["id"], funding["id"])
    # February was released but not paid: it is superseded and its release reversed.
    await approve_applicant(
        payments, applicant_id="re-8", tranches=[], stipend=(1_500, 6), approved_on=date(2026, 3, 1)
    )
    obligations = live(await obligations_of(payments, headers, "re-8"))
    months = sorted((o["key"], o["amount_minor"], o["due_on"], o["status"]) for o in obligations)
    assert months == [
        ("stipend:0:month:0", 1_000, "2026-01-15", "paid"),
        ("stipend:0:month:1", 1_500, "2026-03-01", "waiting"),
        ("stipend:0:month:2", 1_500, "2026-04-01", "waiting"),
        ("stipend:0:month:3", 1_500, "2026-05-01", "waiting"),
        ("stipend:0:month:4", 1_500, "2026-06-01", "waiting"),
        ("stipend:0:month:5", 1_500, "2026-07-01", "waiting"),
    ]
    # February's release was reversed: nothing is left payable to the beneficiary.
    assert (await balances(payments, headers))["beneficiary_payable"] == 0


async def test_money_paid_in_another_currency_is_not_offset_and_the_new_obligations_say_so(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    await register_bank_account(payments, headers, "re-9")
    await approve_applicant(payments, applicant_id="re-9", tranches=ARRIVAL_THEN_GRANT)
    (arrival,) = await release_arrival(payments, headers, "re-9")
    await pay(payments, tokens, arrival["id"], funding["id"])
    await approve_applicant(
        payments, applicant_id="re-9", currency="EUR", tranches=ARRIVAL_THEN_GRANT, approved_on=date(2026, 11, 9)
    )
    euro = [o for o in live(await obligations_of(payments, headers, "re-9")) if o["currency"] == "EUR"]
    assert sorted(o["amount_minor"] for o in euro) == [100_000, 300_000]
    assert {o["note"] for o in euro} == {
        "not offset: 100000 minor units in USD paid under earlier approvals (different currency)"
    }


async def test_an_older_approval_arriving_late_changes_nothing(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    newer = approval(applicant_id="re-10", tranches=ARRIVAL_THEN_GRANT, approved_on=date(2026, 11, 20))
    older = approval(applicant_id="re-10", tranches=[(400_000, "approval")], approved_on=date(2026, 11, 1))
    assert (await send_event(payments, APPLICANT_APPROVED, newer)).status_code == 204
    before = await obligations_of(payments, headers, "re-10")
    assert (await send_event(payments, APPLICANT_APPROVED, older)).status_code == 204
    assert await obligations_of(payments, headers, "re-10") == before
    assert {o["assessment_id"] for o in before} == {newer["assessment_id"]}


async def test_on_the_same_day_the_greater_assessment_id_is_the_later_approval(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    day = date(2026, 11, 5)
    later = approval(applicant_id="re-11", assessment_id="assessment-b", tranches=ARRIVAL_THEN_GRANT, approved_on=day)
    earlier = approval(
        applicant_id="re-11", assessment_id="assessment-a", tranches=[(10_000, "approval")], approved_on=day
    )
    for data in (later, earlier):
        assert (await send_event(payments, APPLICANT_APPROVED, data)).status_code == 204
    assert {o["assessment_id"] for o in live(await obligations_of(payments, headers, "re-11"))} == {"assessment-b"}


async def test_a_superseded_approval_delivered_again_is_not_resurrected(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    first = approval(applicant_id="re-12", tranches=ARRIVAL_THEN_GRANT)
    second = approval(applicant_id="re-12", tranches=ARRIVAL_THEN_GRANT, approved_on=date(2026, 11, 9))
    first_event = str(uuid.uuid4())
    assert (await send_event(payments, APPLICANT_APPROVED, first, event_id=first_event)).status_code == 204
    assert (await send_event(payments, APPLICANT_APPROVED, second)).status_code == 204
    before = await obligations_of(payments, headers, "re-12")
    for event_id in (first_event, None):
        assert (await send_event(payments, APPLICANT_APPROVED, first, event_id=event_id)).status_code == 204
    assert await obligations_of(payments, headers, "re-12") == before
    assert len(live(before)) == 2


async def test_a_repeated_reapproval_changes_nothing(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    await approve_applicant(payments, applicant_id="re-13", tranches=ARRIVAL_THEN_GRANT)
    second = approval(applicant_id="re-13", tranches=ARRIVAL_THEN_GRANT, approved_on=date(2026, 11, 9))
    event_id = str(uuid.uuid4())
    assert (await send_event(payments, APPLICANT_APPROVED, second, event_id=event_id)).status_code == 204
    before = await obligations_of(payments, headers, "re-13")
    for again in (event_id, event_id, None):
        assert (await send_event(payments, APPLICANT_APPROVED, second, event_id=again)).status_code == 204
    assert await obligations_of(payments, headers, "re-13") == before
    assert len(live(before)) == 2
