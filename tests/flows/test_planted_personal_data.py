"""Unmistakable personal data planted in a whole journey shows up nowhere but as ciphertext in the databases.

The journey (registration, screening, approval, funding, bank account, case transitions, payouts, a testimony
published then withdrawn, a crash) carries a made-up person; then the logs of every logger, each service's
`/metrics`, every event in every outbox, every webhook body a partner received, every URL the journey called and
every text or binary column of every table of every service are searched for any of the planted values, in any
letter case. The project has no tracing yet (no OpenTelemetry): once spans are exported, they belong here too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData, select
from starlette.types import Receive, Scope, Send

from shared.observability import configure_logging
from tests.asylum.api import factories as asylum_api
from tests.eligibility.api import helpers as eligibility_api
from tests.flows.conftest import NAMES, System
from tests.flows.journey import assess_and_approve, case_of, payments_officer, publish_testimony, withdraw_testimony
from tests.flows.test_partner_webhooks import deliver_to_partners_too, subscribe_everywhere
from tests.harness import Tokens
from tests.payments.service import helpers as payments_api
from tests.shared.webhooks.helpers import PartnerEndpoint
from tests.testimony.api import factories as testimony_api

MARKER = "QxPlantedMarker7731"
GIVEN, FAMILY, PATRONYMIC = "Zhuzhelitsa", "Plantedova", "Quxovna"
CYRILLIC = {"given": "Жужелица", "family": "Плантедова", "patronymic": "Куксовна"}
BIRTH_DATE = "1957-11-23"
DOCUMENT = "PX 4471902"
EMAIL = "zhuzhelitsa.plantedova@example.org"
PHONE = "+49 30 99887766"
HOLDER = f"{FAMILY} {GIVEN} Holder"
CRASH_NAME = "Plantedova-Crash Zhuzhelitsa"

# Every planted value; each is searched for case-insensitively (and the document without its space).
PLANTED = (
    f"{FAMILY} {GIVEN} {PATRONYMIC}",
    GIVEN,
    FAMILY,
    PATRONYMIC,
    *CYRILLIC.values(),
    BIRTH_DATE,
    DOCUMENT,
    DOCUMENT.replace(" ", ""),
    EMAIL,
    PHONE,
    PHONE.replace(" ", ""),
    HOLDER,
    MARKER,
    testimony_api.SECRET_WORD,
)


def leaked(text: str) -> list[str]:
    """The planted values found in `text`, whatever their letter case."""
    folded = text.casefold()
    return [value for value in PLANTED if value.casefold() in folded]


def as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


async def database_dump(system: System, name: str) -> dict[str, list[str]]:
    """Every text, JSON or binary value of every table of one service's database, as text, by table."""
    engine = system.apps[name].state.engine
    metadata = MetaData()
    async with engine.connect() as conn:
        await conn.run_sync(lambda sync: metadata.reflect(sync))
        dump: dict[str, list[str]] = {}
        for table in metadata.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            dump[table.name] = [as_text(v) for row in rows for v in row if not isinstance(v, int | float)]
    return dump


async def plant_a_journey(system: System, tokens: Tokens) -> dict[str, str]:
    """The journey of the planted person, over the public APIs; returns the ids it made."""
    eligibility = system.harness("eligibility")
    await eligibility_api.install_default_policy(eligibility, tokens, "DE")
    await eligibility_api.load_list(eligibility, tokens, eligibility_api.UNRELATED_PERSON)
    main = await eligibility_api.register(
        eligibility,
        tokens,
        "DE",
        names=[
            {"script": "cyrillic", **CYRILLIC},
            {"script": "latin", "given": GIVEN, "family": FAMILY, "patronymic": PATRONYMIC},
        ],
        birth_date=BIRTH_DATE,
        documents=[{"type": "passport", "issuing_country": "RU", "number": DOCUMENT}],
        contacts=[{"kind": "email", "value": EMAIL}, {"kind": "phone", "value": PHONE}],
    )
    applicant_id = str(main["id"])
    assessment = await assess_and_approve(system, tokens, applicant_id)
    await system.deliver_events()
    case_id = str((await case_of(system, tokens, applicant_id))["id"])

    # Payments: a contribution whose reference and a bank account whose holder are the planted text.
    payments = system.clients["payments"]
    treasurer = payments_officer(tokens)
    account = await payments.post(
        "/v1/accounts",
        json={"currency": "USD", "kind": "funding", "bank_iban": payments_api.TREASURY_IBAN, "bank_holder": "DE"},
        headers=treasurer,
    )
    assert account.status_code == 201, account.text
    funded = await payments.post(
        "/v1/contributions",
        json={"funding_account_id": account.json()["id"], "amount_minor": 12_000_000, "reference": f"for {MARKER}"},
        headers=payments_api.with_key(treasurer),
    )
    assert funded.status_code == 201, funded.text
    bank = await payments.put(
        f"/v1/beneficiaries/{applicant_id}/bank-account",
        json={"iban": payments_api.BENEFICIARY_IBAN, "holder": HOLDER},
        headers=treasurer,
    )
    assert bank.status_code == 200, bank.text

    # Asylum: every transition's reason names the person and carries the marker.
    for state in asylum_api.ROAD_TO_GRANT:
        moved = await system.clients["asylum"].post(
            f"/v1/cases/{case_id}/transitions",
            json={"to_state": state, "reason": f"{GIVEN} {FAMILY} {MARKER}"},
            headers=asylum_api.officer(tokens),
        )
        assert moved.status_code == 200, moved.text
    await system.deliver_events()

    # Testimony: the shipped text names the sister; the marker is added to it, then it is published and withdrawn.
    published = await publish_testimony(system, tokens, applicant_id)
    await withdraw_testimony(system, published)
    return {"applicant": applicant_id, "assessment": str(assessment["id"]), "case": case_id}


async def crash_with_the_name(system: System, tokens: Tokens, monkeypatch: pytest.MonkeyPatch) -> None:
    """A registration crashes inside eligibility with the person's name in the exception's message."""
    app = system.apps["eligibility"]

    async def refuse(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError(f"cannot seal {CRASH_NAME} {BIRTH_DATE} {args!r}")

    async def as_uvicorn(scope: Scope, receive: Receive, send: Send) -> None:
        # What the server does with an error the app re-raised after answering 500: it logs it, traceback included.
        try:
            await app(scope, receive, send)
        except Exception as exc:
            logging.getLogger("uvicorn.error").error("Exception in ASGI application\n", exc_info=exc)

    with monkeypatch.context() as patched:
        # Whichever way the registration seals its fields (one by one or a batch), sealing crashes.
        patched.setattr(app.state.cipher, "encrypt", refuse)
        patched.setattr(app.state.cipher, "encrypt_many", refuse)
        transport = httpx.ASGITransport(app=as_uvicorn)
        async with httpx.AsyncClient(transport=transport, base_url="http://eligibility.test") as client:
            answer = await client.post(
                "/v1/applicants",
                json=eligibility_api.applicant_body(
                    names=[{"script": "latin", "given": CRASH_NAME, "family": FAMILY}], birth_date=BIRTH_DATE
                ),
                headers=eligibility_api.as_officer(tokens),
            )
    assert answer.status_code == 500, answer.text
    assert leaked(answer.text) == []


def urls_of(clients: Iterable[httpx.AsyncClient], seen: list[str]) -> None:
    """Record the URL of every request these clients send."""

    async def record(request: httpx.Request) -> None:
        seen.append(str(request.url))

    for client in clients:
        client.event_hooks = {**client.event_hooks, "request": [*client.event_hooks["request"], record]}


async def test_planted_personal_data_appears_nowhere_in_clear(
    system: System, tokens: Tokens, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(testimony_api, "ORIGINAL_TEXT", f"{testimony_api.ORIGINAL_TEXT} {MARKER} {GIVEN}")
    urls: list[str] = []
    urls_of(system.clients.values(), urls)
    endpoint = PartnerEndpoint()
    await subscribe_everywhere(system, tokens, endpoint)
    # The JSON handler of the standard loggers writes to the stdout it found when the apps started: point it at
    # this test's capture, so that library records (the server's crash report among them) are searched too.
    configure_logging()
    capsys.readouterr()
    async with deliver_to_partners_too(system, endpoint) as delivering:
        urls_of([delivering], urls)
        ids = await plant_a_journey(system, tokens)
        await crash_with_the_name(system, tokens, monkeypatch)
        await system.deliver_events()
    assert endpoint.refused == []

    # Logs: every line, of every logger, as the JSON handler wrote it (the crash's line included).
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    assert {line.get("service") for line in lines} >= set(NAMES), "the capture saw every service's lines"
    assert any("exception_chain" in line for line in lines), "the crash was logged"
    assert leaked(captured.out) == []
    assert leaked(captured.err) == []

    # Metrics of every service.
    for name in NAMES:
        metrics = await system.clients[name].get("/metrics")
        assert metrics.status_code == 200
        assert leaked(metrics.text) == [], f"{name} /metrics"

    # Events: every envelope in every outbox, and every webhook delivery as it arrived (body and headers).
    for name in NAMES:
        outbox = await system.outbox_payloads(name)
        assert outbox, f"{name} announced nothing"
        for event in outbox:
            assert leaked(as_text(event)) == [], f"{name} event {event['type']}"
    heard = {p["type"] for path, ps in endpoint.received.items() if path.startswith("DE/") for p in ps}
    assert {t.split(".")[0] for t in heard} == set(NAMES), sorted(heard)
    for headers, body in endpoint.requests:
        assert leaked(as_text(body) + json.dumps(headers)) == [], "a webhook delivery"

    # URLs: every request the journey and the deliveries sent.
    assert any(ids["case"] in url for url in urls)
    assert any("/v1/events" in url for url in urls)
    assert any("partner.example" in url for url in urls)
    assert [url for url in urls if leaked(url)] == []

    # Databases: the planted values are stored, yet only as ciphertext.
    dumps = {name: await database_dump(system, name) for name in NAMES}
    assert any(ids["applicant"] in value for value in dumps["eligibility"]["applicants"])
    for name, dump in dumps.items():
        for table, values in dump.items():
            found = sorted({v for value in values for v in leaked(value)})
            assert found == [], f"{name}.{table} holds {found} in clear"
