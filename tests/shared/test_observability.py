from __future__ import annotations

import json
import uuid

import pytest

from tests.harness import Harness, Tokens
from tests.shared.test_smoke_applicants import APPLICANT


async def test_health_readiness_and_metrics(probe: Harness) -> None:
    assert (await probe.client.get("/healthz")).json()["status"] == "ok"
    ready = await probe.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}
    metrics = await probe.client.get("/metrics")
    assert 'http_requests_total{method="GET",route="/readyz",service="probe",status="200"} 1.0' in metrics.text


async def test_readiness_fails_when_the_database_is_unreachable(probe: Harness) -> None:
    from shared.db import make_engine

    probe.app.state.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    ready = await probe.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "unreachable"}


async def test_request_id_is_propagated_and_echoed(probe: Harness) -> None:
    r = await probe.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    generated = await probe.client.get("/healthz", headers={"X-Request-ID": "bad id with spaces\n"})
    assert generated.headers["x-request-id"] != "bad id with spaces\n"
    assert len(generated.headers["x-request-id"]) == 32
    assert uuid.UUID(hex=generated.headers["x-request-id"]).version == 4
    again = await probe.client.get("/healthz")
    assert again.headers["x-request-id"] != generated.headers["x-request-id"]


async def test_each_route_and_status_is_counted_apart(probe: Harness) -> None:
    for _ in range(3):
        await probe.client.get("/healthz")
    await probe.client.get("/no-such-route")
    metrics = (await probe.client.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="/healthz",service="probe",status="200"} 3.0' in metrics
    assert 'http_requests_total{method="GET",route="unmatched",service="probe",status="404"} 1.0' in metrics


async def test_logs_carry_the_request_id_and_no_personal_data(
    eligibility: Harness, tokens: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    r = await eligibility.client.post(
        "/v1/applicants", json=APPLICANT, headers={**tokens.partner("DE", "applicants:write"), "X-Request-ID": "req-42"}
    )
    assert r.status_code == 201
    await eligibility.client.get(f"/v1/applicants/{r.json()['id']}", headers=tokens.partner("DE", "applicants:read"))
    out = capsys.readouterr().out
    assert '"request_id": "req-42"' in out
    for personal in ("Петров", "Иван", "1999-04-01", "1234567", r.json()["id"]):
        assert personal not in out


def test_personal_keys_are_redacted_by_the_logger(capsys: pytest.CaptureFixture[str]) -> None:
    import structlog

    from shared.observability import configure_logging

    configure_logging()
    structlog.get_logger("t").info("registered", birth_date="1999-04-01", email="a@b.c", category="conscript")
    out = capsys.readouterr().out
    assert "1999-04-01" not in out
    assert "a@b.c" not in out
    assert "conscript" in out


def test_a_logged_exception_keeps_its_type_and_frames_and_loses_its_message(capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import logging

    import structlog

    from shared.observability import configure_logging

    configure_logging()
    try:
        try:
            raise KeyError("Ivanova Maria 1988-03-14")
        except KeyError as inner:
            raise RuntimeError("lookup failed for Ivanova Maria") from inner
    except RuntimeError:
        structlog.get_logger("t").exception("lookup_failed")
        logging.getLogger("some.library").exception("library saw it")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "Ivanova" not in json.dumps(lines)
    assert [line["event"] for line in lines] == ["lookup_failed", "library saw it"]
    for line in lines:
        assert [entry["type"] for entry in line["exception_chain"]] == ["builtins.RuntimeError", "builtins.KeyError"]
        assert any("test_observability.py" in frame for frame in line["exception_chain"][0]["frames"])


async def test_every_request_line_names_its_service(eligibility: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    await eligibility.client.get("/healthz")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert lines
    assert {line["service"] for line in lines} == {"eligibility"}


async def test_each_worker_task_names_its_own_service_in_one_process(capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    import structlog

    from shared.observability import bind_service, configure_logging

    configure_logging()

    async def worker_of(service: str) -> None:
        bind_service(service)
        await asyncio.sleep(0)
        structlog.get_logger("t").info("job_done")

    # The test's own context may carry a name bound by an earlier test's worker: name it here, so that what
    # the tasks bind is seen not to leak back into the context that started them.
    bind_service("outer")
    capsys.readouterr()
    await asyncio.gather(worker_of("payments"), worker_of("asylum"))
    structlog.get_logger("t").info("outside")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert sorted(line["service"] for line in lines if line["event"] == "job_done") == ["asylum", "payments"]
    assert [line["service"] for line in lines if line["event"] == "outside"] == ["outer"]


async def test_metrics_need_the_metrics_token_when_one_is_set_and_always_in_production(probe: Harness) -> None:
    from pydantic import SecretStr

    from shared.config import Environment

    probe.app.state.settings = probe.settings.model_copy(update={"metrics_token": SecretStr("scrape-secret")})
    assert (await probe.client.get("/metrics")).status_code == 401
    wrong = await probe.client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    right = await probe.client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert right.status_code == 200
    assert "http_requests_total" in right.text
    production = probe.settings.model_copy(update={"environment": Environment.production})
    probe.app.state.settings = production
    assert (await probe.client.get("/metrics")).status_code == 401
    # Served on the internal port only (`carrots serve`), production needs no token: the public port refuses it.
    probe.app.state.settings = production.model_copy(update={"internal_port": 9100})
    assert (await probe.client.get("/metrics")).status_code == 200
