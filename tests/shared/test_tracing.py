"""Traces: a server span per request named by its route, one trace across an event, nothing personal, no export
unless configured."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.errors import Unauthorized, Unprocessable
from shared.schemas.events import APPLICANT_APPROVED, CASE_OPENED
from shared.tracing import OTLP_ENDPOINT_ENV, otlp_endpoint, span_exporter
from shared.webhooks import sign_event, verify_event
from tests.conftest import AppStarter
from tests.eligibility.api import helpers as eligibility_api
from tests.flows.conftest import NAMES, System, start_system
from tests.flows.journey import PERSONAL_DATA, approve_deserter
from tests.harness import Tokens
from tests.shared.test_webhooks import ELIGIBILITY, TRUSTS_ELIGIBILITY

PLANTED = "Zinaida-Planted-Kuznetsova"


@pytest.fixture
async def traced(starter: AppStarter) -> AsyncIterator[tuple[System, dict[str, InMemorySpanExporter]]]:
    async with start_system(starter) as system:
        exporters = {name: InMemorySpanExporter() for name in NAMES}
        for name in NAMES:
            system.apps[name].state.tracing.export_to(exporters[name], batch=False)
        yield system, exporters


def _spans(exporters: dict[str, InMemorySpanExporter]) -> dict[str, tuple[ReadableSpan, ...]]:
    return {name: exporter.get_finished_spans() for name, exporter in exporters.items()}


async def test_a_request_is_a_server_span_named_by_its_route_template(
    traced: tuple[System, dict[str, InMemorySpanExporter]], tokens: Tokens
) -> None:
    system, exporters = traced
    applicant = await eligibility_api.register(system.harness("eligibility"), tokens)
    read = await system.clients["eligibility"].get(
        f"/v1/applicants/{applicant['id']}", headers=eligibility_api.as_officer(tokens)
    )
    assert read.status_code == 200, read.text

    server = [s for s in exporters["eligibility"].get_finished_spans() if s.kind is SpanKind.SERVER]
    reads = [s for s in server if s.name == "GET /v1/applicants/{applicant_id}"]
    assert len(reads) == 1, [s.name for s in server]
    attributes = dict(reads[0].attributes or {})
    assert attributes["http.route"] == "/v1/applicants/{applicant_id}"
    assert attributes["http.response.status_code"] == 200
    assert reads[0].resource.attributes["service.name"] == "eligibility"
    # The route template, never the concrete path with the applicant's id.
    assert all(str(applicant["id"]) not in str(value) for s in server for value in (s.attributes or {}).values())


async def test_an_event_continues_the_publishing_request_s_trace_in_its_consumers(
    traced: tuple[System, dict[str, InMemorySpanExporter]], tokens: Tokens
) -> None:
    system, exporters = traced
    await approve_deserter(system, tokens)

    (approved,) = [e for e in await system.outbox_payloads("eligibility") if e["type"] == APPLICANT_APPROVED]
    trace_id = int(approved["traceparent"].split("-")[1], 16)
    spans = _spans(exporters)
    publishing = [s for s in spans["eligibility"] if s.kind is SpanKind.SERVER and s.context.trace_id == trace_id]
    assert [s.name for s in publishing] == ["POST /v1/assessments/{assessment_id}/approvals"]
    deliveries = [s for s in spans["eligibility"] if s.kind is SpanKind.CLIENT and s.context.trace_id == trace_id]
    # Delivered alone: a client span in the approval's trace; in a batch with other events (one request for many
    # traces), the consumer applies it in a span of the approval's trace instead.
    assert {s.name for s in deliveries} <= {f"deliver {APPLICANT_APPROVED}"}
    delivery_ids = {d.context.span_id for d in deliveries}
    for consumer in ("payments", "asylum"):
        received = [
            s
            for s in spans[consumer]
            if (
                s.kind is SpanKind.SERVER
                and s.name == "POST /v1/events"
                and s.parent is not None
                and s.parent.span_id in delivery_ids
            )
            or (s.kind is SpanKind.CONSUMER and s.name == f"apply {APPLICANT_APPROVED}")
        ]
        assert len(received) == 1, (consumer, [(s.name, s.context.trace_id) for s in spans[consumer]])
        assert received[0].context.trace_id == trace_id
    # And on along the chain: the case asylum opened on receiving the approval is announced in the same trace.
    (opened,) = [e for e in await system.outbox_payloads("asylum") if e["type"] == CASE_OPENED]
    assert int(opened["traceparent"].split("-")[1], 16) == trace_id


async def test_no_span_carries_personal_data_a_path_id_or_a_query(
    traced: tuple[System, dict[str, InMemorySpanExporter]], tokens: Tokens
) -> None:
    system, exporters = traced
    approved = await approve_deserter(system, tokens)
    planted = await eligibility_api.register(
        system.harness("eligibility"), tokens, names=[{"script": "latin", "given": PLANTED, "family": PLANTED}]
    )
    read = await system.clients["eligibility"].get(
        f"/v1/applicants/{planted['id']}", params={"q": PLANTED}, headers=eligibility_api.as_officer(tokens)
    )
    assert read.status_code == 200, read.text

    spans = [s for recorded in _spans(exporters).values() for s in recorded]
    names = {s.name for s in spans}
    # Requests in every consumer, deliveries and the read carrying the planted query were all recorded.
    assert {"GET /v1/applicants/{applicant_id}", "POST /v1/events", f"deliver {APPLICANT_APPROVED}"} <= names
    text = json.dumps(
        [[s.name, {k: str(v) for k, v in (s.attributes or {}).items()}] for s in spans], ensure_ascii=False
    ).casefold()
    for value in (PLANTED, *PERSONAL_DATA, approved.applicant_id, approved.case_id, str(planted["id"])):
        assert value.casefold() not in text, value


async def test_without_an_endpoint_nothing_is_recorded_or_exported(
    starter: AppStarter, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OTLP_ENDPOINT_ENV, raising=False)
    assert otlp_endpoint(None) is None
    assert span_exporter(None) is None
    app, _ = starter.create("eligibility")
    assert not app.state.tracing.exporting
    assert app.state.tracing.provider is None

    monkeypatch.setenv(OTLP_ENDPOINT_ENV, "http://collector.test:4318")
    configured, _ = starter.create("payments")
    assert configured.state.tracing.exporting
    exporter = span_exporter(otlp_endpoint(None))
    assert isinstance(exporter, OTLPSpanExporter)
    assert exporter._endpoint == "http://collector.test:4318/v1/traces"
    # A service's own setting wins over the standard variable.
    assert otlp_endpoint("http://own.test:4318") == "http://own.test:4318"


def _signed(**extra: object) -> tuple[dict[str, str], dict[str, object]]:
    envelope: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "type": APPLICANT_APPROVED,
        "source": "eligibility",
        "occurred_at": "2026-12-01T10:00:00Z",
        "data": {},
        **extra,
    }
    body = json.dumps(envelope).encode()
    return sign_event(ELIGIBILITY, body, event_id=str(envelope["id"])), envelope


def test_the_signature_covers_the_traceparent_and_an_envelope_without_one_still_verifies() -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    headers, envelope = _signed(traceparent=traceparent)
    assert verify_event(TRUSTS_ELIGIBILITY, headers, json.dumps(envelope).encode()).traceparent == traceparent
    rerouted = {**envelope, "traceparent": "00-" + "1" * 32 + "-00f067aa0ba902b7-01"}
    with pytest.raises(Unauthorized):
        verify_event(TRUSTS_ELIGIBILITY, headers, json.dumps(rerouted).encode())

    old_headers, old = _signed()
    assert verify_event(TRUSTS_ELIGIBILITY, old_headers, json.dumps(old).encode()).traceparent is None

    # Only a W3C `traceparent` fits: the field cannot smuggle anything else along.
    odd_headers, odd = _signed(traceparent=PLANTED)
    with pytest.raises(Unprocessable):
        verify_event(TRUSTS_ELIGIBILITY, odd_headers, json.dumps(odd).encode())
