"""Each service's /metrics reports its records after a journey: payouts and amounts, obligations, cases, hits,
publications and withdrawals; never an identifier."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.flows.conftest import System
from tests.flows.journey import publish_testimony, run_journey, withdraw_testimony
from tests.harness import Tokens

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(system: System, service: str) -> tuple[str, Samples]:
    text = (await system.clients[service].get("/metrics")).text
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("carrots_"):
                labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "service"))
                samples[(sample.name, labels)] = sample.value
    return text, samples


async def test_metrics_report_the_journey_and_no_identifier(system: System, tokens: Tokens) -> None:
    journey = await run_journey(system, tokens)
    published = await publish_testimony(system, tokens, journey.approved.applicant_id)
    await withdraw_testimony(system, published)
    paid = [journey.arrival_payout, journey.granted_payout]
    currency = paid[0]["currency"]

    payments_text, payments = await scrape(system, "payments")
    statuses = {p["status"] for p in paid}
    assert sum(payments[("carrots_payouts", (("currency", currency), ("status", s)))] for s in statuses) == len(paid)
    assert sum(
        payments[("carrots_payout_amount_minor", (("currency", currency), ("status", s)))] for s in statuses
    ) == sum(p["amount_minor"] for p in paid)
    assert sum(v for (name, _), v in payments.items() if name == "carrots_obligations") == 2

    _, asylum = await scrape(system, "asylum")
    assert asylum[("carrots_cases", (("state", "granted"),))] == 1

    _, eligibility = await scrape(system, "eligibility")
    assert eligibility[("carrots_applicants_by_screening", (("screening_status", "clear"),))] == 2

    testimony_text, testimony = await scrape(system, "testimony")
    taken_down = {labels: v for (name, labels), v in testimony.items() if name == "carrots_publications"}
    assert [dict(labels)["state"] for labels in taken_down] == ["taken_down"]
    assert testimony[("carrots_consent_changes", (("kind", "withdrawn"),))] == 1

    for text in (payments_text, testimony_text):
        assert journey.approved.applicant_id not in text
        assert journey.approved.case_id not in text
