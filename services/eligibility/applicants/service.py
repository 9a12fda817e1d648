"""Applicant rules: registration with encryption, keyed document hashes, duplicates and screening; reads, evidence.

A registration builds the applicant, its documents, its duplicate conflicts and its screening hits in memory
and writes them in one flush (one INSERT per table), then records the change: no row is read back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants import repository
from services.eligibility.applicants.errors import CountryCodeUnknown, MainApplicantMissing
from services.eligibility.applicants.identity import (
    Crypto,
    applicant_read,
    applicant_read_from_row,
    decrypt_identity,
    document_hash,
    document_key,
    full_names,
)
from services.eligibility.applicants.repository import Rows
from services.eligibility.applicants.rows import new_applicants, registered_read
from services.eligibility.duplicates.service import find_conflicts
from services.eligibility.errors import ApplicantNotFound
from services.eligibility.models import Applicant, tables
from services.eligibility.policies.engine.facts import validate_country
from services.eligibility.screening.lists.batch import screen_new_applicants
from services.eligibility.screening.lists.service import ScreeningState, screening_subject
from shared.audit import audit_row, record_audit, record_audits
from shared.auth import Principal
from shared.changes import Announcement, Change, prepare_change, record_change
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas import events
from shared.schemas.common import Page
from shared.schemas.eligibility import ApplicantCreate, ApplicantRead, Category, EvidenceUpdate
from shared.tenancy import TenantScopeMissing, session_tenant

__all__ = [
    "Crypto",
    "decrypt_identity",
    "document_hash",
    "document_key",
    "full_names",
    "get_applicant_or_404",
    "read_applicant",
    "register_applicant",
]


async def register_applicant(
    session: AsyncSession,
    crypto: Crypto,
    screening: ScreeningState,
    publisher: EventPublisher,
    actor: Principal,
    data: ApplicantCreate,
) -> ApplicantRead:
    """Register an applicant for the actor's partner: encrypt, hash documents, flag duplicates, screen."""
    check_registration(data)
    await check_main_applicant(session, data)
    (applicant,) = await new_applicants(session, crypto, actor, [data])
    # Plain values with the attributes a mapped applicant would give duplicates and screening (see rows.py).
    as_mapped = cast(Applicant, applicant)
    conflicts = await find_conflicts(session, [as_mapped])
    subject = screening_subject(as_mapped, full_names(data.names), data.birth_date)
    hits = await screen_new_applicants(session, crypto.cipher, screening, [(as_mapped, subject)])
    change_of = registration_change(actor, as_mapped)
    # The applicant, its documents, the audit entry and the event as plain rows: one statement on PostgreSQL.
    # A duplicate's conflict or a screening hit, rare, goes through the session after them.
    rows = repository.applicant_rows(applicant)
    await repository.insert_rows_at_once(session, [*rows, *await change_rows(session, publisher, change_of)])
    if conflicts or hits:
        session.add_all([*conflicts, *hits])
        await session.flush()
    return registered_read(applicant, data)


async def change_rows(session: AsyncSession, publisher: EventPublisher, change: Change) -> list[tuple[Table, Rows]]:
    """The rows `record_change` inserts for a change (its audit entry, its event and deliveries), per table."""
    audit, events_, deliveries = await prepare_change(session, publisher, change)
    t = publisher.tables
    return [(t.audit_log, [audit]), (t.outbox_events, events_), (t.outbox_deliveries, deliveries)]


def registration_change(actor: Principal, applicant: Applicant) -> Change:
    """A registration as a change: audited, and announced (a family member's by its richer event)."""
    if applicant.main_applicant_id is None:
        return Change(actor, "applicant", applicant.id, "registered", partner_id=applicant.partner_id)
    # A family member's registration is announced by its richer event: asylum needs the main applicant to
    # add them to the case, however long after the approval they were registered.
    registered = events.FamilyMemberRegistered(
        applicant_id=applicant.id,
        main_applicant_id=applicant.main_applicant_id,
        partner_id=applicant.partner_id,
        registered_at=applicant.created_at,
    )
    return Change(
        actor,
        "applicant",
        applicant.id,
        "registered",
        partner_id=applicant.partner_id,
        announced_by=Announcement(events.FAMILY_MEMBER_REGISTERED, registered),
    )


def check_registration(data: ApplicantCreate) -> None:
    """Refuse unknown country codes and a main applicant link that does not fit the category."""
    fields = [("citizenship", data.citizenship)] + [
        (f"documents.{i}.issuing_country", d.issuing_country) for i, d in enumerate(data.documents)
    ]
    for name, code in fields:
        try:
            validate_country(code.upper())
        except ValueError as error:
            raise CountryCodeUnknown(f"{name}: {error}.") from error
    is_family = data.category is Category.family_member
    if is_family and data.main_applicant_id is None:
        raise MainApplicantMissing("A family_member needs main_applicant_id: the applicant whose tier covers them.")
    if not is_family and data.main_applicant_id is not None:
        raise MainApplicantMissing("Only a family_member links to a main applicant; drop main_applicant_id.")


async def check_main_applicant(session: AsyncSession, data: ApplicantCreate) -> None:
    """A family member's main applicant must be a registered main applicant of the same partner."""
    if data.main_applicant_id is not None:
        main = await repository.get_applicant(session, data.main_applicant_id)
        if main is None or main.category == Category.family_member.value:
            raise MainApplicantMissing(
                f"No main applicant {data.main_applicant_id} is registered for your organisation; "
                "register the main applicant first."
            )


async def get_applicant_or_404(session: AsyncSession, applicant_id: str) -> Applicant:
    """The caller's applicant with its documents, or ApplicantNotFound (also for other partners' applicants)."""
    found = await repository.get_applicant_with_family(session, applicant_id)
    if found is None:
        raise ApplicantNotFound(f"No applicant {applicant_id} is registered for your organisation.")
    return found[0]


async def family_member_ids(session: AsyncSession, main_applicant_id: str) -> list[str]:
    """The ids of the family members registered with a main applicant."""
    return await repository.list_family_member_ids(session, main_applicant_id)


async def read_applicant(session: AsyncSession, crypto: Crypto, actor: Principal, applicant_id: str) -> ApplicantRead:
    """Read one applicant of the actor's partner; the read of personal data is audited.

    PostgreSQL writes the audit entry in the read's own statement, run on its own (autocommit); SQLite appends
    it in a second statement of the request's transaction. Either way it is written only when the applicant is
    found, and committed before the answer is sent.
    """
    tenant = session_tenant(session)
    if not isinstance(tenant, str):
        raise TenantScopeMissing("a partner's read of an applicant needs a session scoped to that partner")
    audit = audit_row(actor, "applicant.read", "applicant", applicant_id, partner_id=tenant)
    in_one = session.get_bind().dialect.name == "postgresql"
    if in_one:
        # One statement needs no transaction around it: without BEGIN and COMMIT it is one round trip. The audit
        # entry is committed with the read that returns the data, before anything is decrypted or answered.
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    rows = await repository.read_one(session, tenant, applicant_id, audit if in_one else None)
    if not rows:
        raise ApplicantNotFound(f"No applicant {applicant_id} is registered for your organisation.")
    if not in_one:
        await record_audits(session, tables, [audit])
    return await applicant_read_from_row(session, crypto, rows)


async def list_applicants(
    session: AsyncSession, crypto: Crypto, actor: Principal, page: PageParams
) -> Page[ApplicantRead]:
    """One page of the actor's applicants, decrypted, with the cursor of the next."""
    rows = await repository.list_applicants(session, page)
    found, cursor = split_page(rows, page, lambda row: row[0].id)
    # Count what the caller sees, not the look-ahead row that only tells whether a next page exists.
    await record_audit(
        session,
        tables,
        actor,
        "applicant.listed",
        "applicant",
        "*",
        partner_id=actor.org,
        detail={"count": len(found)},
    )
    return Page[ApplicantRead](
        items=[await applicant_read(session, crypto, a, family) for a, family in found], next_cursor=cursor
    )


async def update_evidence(
    session: AsyncSession,
    crypto: Crypto,
    publisher: EventPublisher,
    actor: Principal,
    applicant_id: str,
    change: EvidenceUpdate,
) -> ApplicantRead:
    """Record verified evidence (service verified, arrival, left post); later assessments see it.

    An arrival newly verified is announced as `eligibility.applicant.arrival_verified`, before or after an
    approval: payments releases the tranches waiting for it.
    """
    found = await repository.get_applicant_with_family(session, applicant_id)
    if found is None:
        raise ApplicantNotFound(f"No applicant {applicant_id} is registered for your organisation.")
    applicant, family = found
    changed = change.model_dump(exclude_none=True)
    arrived_now = change.arrived_in_partner_territory is True and not applicant.arrived_in_partner_territory
    for name, value in changed.items():
        setattr(applicant, name, value)
    await session.flush()
    if not arrived_now:
        await record_change(
            session,
            publisher,
            Change(
                actor, "applicant", applicant.id, "evidence_updated", partner_id=applicant.partner_id, detail=changed
            ),
        )
        return await applicant_read(session, crypto, applicant, family)
    # The change is announced by the richer arrival event, which payments acts on.
    arrived = events.ArrivalVerified(
        applicant_id=applicant.id, partner_id=applicant.partner_id, verified_at=datetime.now(UTC)
    )
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "applicant",
            applicant.id,
            "evidence_updated",
            partner_id=applicant.partner_id,
            detail=changed,
            announced_by=Announcement(events.ARRIVAL_VERIFIED, arrived),
        ),
    )
    return await applicant_read(session, crypto, applicant, family)
