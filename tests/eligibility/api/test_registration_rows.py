"""A registration writes its applicant and documents as plain rows, in one statement on PostgreSQL.

Whatever the number of documents (each count has a statement of its own shape), the stored rows are what a
read returns and what duplicate detection matches.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Table, select

from services.eligibility.applicants import repository
from services.eligibility.applicants.identity import document_key
from services.eligibility.models import Applicant, ApplicantDocument, tables
from tests.eligibility.api.helpers import as_officer, register
from tests.harness import Harness, Tokens
from tests.shared.webhooks.helpers import subscribe
from tests.statements import counting_statements

REGISTERED = "eligibility.applicant.registered"


def _passports(*numbers: str) -> list[dict[str, str]]:
    return [{"type": "passport", "issuing_country": "ua", "number": n} for n in numbers]


async def test_each_count_of_documents_is_stored_and_read_back(eligibility: Harness, tokens: Tokens) -> None:
    registered = [
        await register(eligibility, tokens, documents=_passports(*(f"FX {n:06d}{i}" for i in range(count))))
        for n, count in enumerate((1, 3, 0, 3, 1))
    ]
    for created in registered:
        read = await eligibility.client.get(f"/v1/applicants/{created['id']}", headers=as_officer(tokens))
        assert read.json() == created
    async with eligibility.app.state.sessionmaker() as session:
        stored = (
            await session.execute(
                select(ApplicantDocument.applicant_id, ApplicantDocument.number_hash).order_by(ApplicantDocument.id)
            )
        ).all()
        applicants = (
            await session.execute(
                select(
                    Applicant.id, Applicant.partner_id, Applicant.created_by, Applicant.created_at
                ).execution_options(include_all_tenants=True)
            )
        ).all()
    key = document_key(eligibility.app.state.blind_index_key)
    expected = [
        (created["id"], f"FX {n:06d}{i}")
        for n, created in enumerate(registered)
        for i in range(len(created["documents"]))
    ]
    assert [applicant_id for applicant_id, _ in stored] == [applicant_id for applicant_id, _ in expected]
    assert [h for _, h in stored] == [key("UA", number) for _, number in expected]
    assert {(a.id, a.partner_id, a.created_by) for a in applicants} == {
        (created["id"], "DE", "DE:assessor") for created in registered
    }
    created_at = {a.id: a.created_at for a in applicants}
    assert all(created_at[c["id"]] == datetime.fromisoformat(c["created_at"]) for c in registered)


async def test_a_second_registration_of_a_stored_document_is_flagged(eligibility: Harness, tokens: Tokens) -> None:
    first = await register(eligibility, tokens, documents=_passports("FX 1000001", "FX 1000002"))
    assert first["duplicate_status"] == "none"
    again = await register(eligibility, tokens, documents=_passports("fx-1000002"))
    assert again["duplicate_status"] == "suspected"


async def test_the_audit_entry_event_and_delivery_are_written_with_the_applicant(
    eligibility: Harness, tokens: Tokens
) -> None:
    hook = await subscribe(eligibility, tokens, "DE", [REGISTERED])
    await subscribe(eligibility, tokens, "PL", [REGISTERED])  # another partner's subscription hears nothing
    with counting_statements(eligibility.app.state.engine) as log:
        created = await register(eligibility, tokens)
    if eligibility.app.state.engine.dialect.name == "postgresql":
        [written] = [s for s in log.statements if s.startswith("WITH inserted_")]
        tables_in_order = re.findall(r"INSERT INTO (\w+)", written)
        assert tables_in_order == [
            "applicants",
            "applicant_documents",
            "audit_log",
            "outbox_events",
            "outbox_deliveries",
        ]
    async with eligibility.app.state.sessionmaker() as session:
        audit_log, outbox, deliveries_table = tables.audit_log, tables.outbox_events, tables.outbox_deliveries
        audit = (
            (await session.execute(select(audit_log).where(audit_log.c.resource_id == created["id"]))).mappings().all()
        )
        events = (await session.execute(select(outbox).where(outbox.c.type == REGISTERED))).mappings().all()
        deliveries = (
            (
                await session.execute(
                    select(deliveries_table).where(deliveries_table.c.event_id.in_([e["event_id"] for e in events]))
                )
            )
            .mappings()
            .all()
        )
    assert [(a["action"], a["resource_id"], a["partner_id"], a["actor_subject"]) for a in audit] == [
        ("applicant.registered", created["id"], "DE", "DE:assessor")
    ]
    [event] = events
    payload = event["payload"] if isinstance(event["payload"], dict) else json.loads(event["payload"])
    assert (event["type"], event["partner_id"], payload["id"]) == (REGISTERED, "DE", event["event_id"])
    assert payload["data"]["resource_id"] == created["id"]
    assert [(d["event_id"], d["subscriber"], d["status"]) for d in deliveries] == [
        (event["event_id"], f"webhook:{hook['id']}", "pending")
    ]


def test_the_statement_of_a_one_row_per_table_registration_is_compiled_once() -> None:
    # A multi-row VALUES has no cache key, so SQLAlchemy compiled it anew each time (a third of a registration's
    # CPU). With one row per table the statement is cacheable; several documents keep the multi-row form.
    applicants: Table = Applicant.__table__  # type: ignore[assignment]
    documents: Table = ApplicantDocument.__table__  # type: ignore[assignment]
    one_each = (
        (applicants, tuple(c.key for c in applicants.columns), 1),
        (documents, ("applicant_id", "doc_type", "issuing_country", "number_hash"), 1),
        (tables.audit_log, ("actor_org", "action", "detail"), 1),
    )
    assert repository._inserts_in_one(one_each)._generate_cache_key() is not None
    assert repository._inserts_in_one(one_each) is repository._inserts_in_one(one_each)
    three_documents = (one_each[0], (*one_each[1][:2], 3))
    sql = str(repository._inserts_in_one(three_documents).compile())
    assert len(re.findall(r"t1r\d_number_hash", sql)) == 3


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"birth_date": None, "rank_or_post": "", "contacts": []},
        {"rank_or_post": "Sergeant, 3rd company", "contacts": [{"kind": "email", "value": "ivan@example.org"}]},
    ],
)
async def test_the_answer_is_built_from_the_plaintext_and_equals_a_read(
    eligibility: Harness, tokens: Tokens, monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any]
) -> None:
    # Nothing is decrypted to answer a registration: it answers what it was given, exactly as a read shows it.
    cipher = eligibility.app.state.cipher

    async def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("a registration decrypted a field")

    monkeypatch.setattr(cipher, "decrypt", refuse)
    created = await register(eligibility, tokens, **fields)
    monkeypatch.undo()
    read = await eligibility.client.get(f"/v1/applicants/{created['id']}", headers=as_officer(tokens))
    assert read.status_code == 200
    assert read.json() == created
