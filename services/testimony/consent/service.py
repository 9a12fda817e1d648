"""Consent rules over HTTP-free calls: give, narrow, renew, withdraw, each sealed in the chain with a receipt."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import Toolkit, utc_now
from services.testimony.consent import repository
from services.testimony.consent.chain import (
    ChainedConsentEvent,
    ConsentEvent,
    append_event,
    fold_state,
    serialize_event,
    serialize_terms,
)
from services.testimony.consent.domain import (
    Attribution,
    ConsentEventKind,
    ConsentMethod,
    ConsentTerms,
    Purpose,
    PurposeConditions,
)
from services.testimony.consent.errors import ConsentChainBroken, ConsentTermsInvalid, ConsentTransitionRefused
from services.testimony.consent.holders import AUTHOR, CONSENT, TokenHolder
from services.testimony.consent.models import ConsentEventRow, ConsentRecord
from services.testimony.errors import (
    ConsentAlreadyRecorded,
    ConsentChangeRefused,
    ConsentRecordNotFound,
    ConsentTermsRejected,
    SubjectNotInTestimony,
)
from services.testimony.intake.service import family_refs_of, find_testimony
from services.testimony.models import Testimony
from services.testimony.publication.takedown import reconcile_publications
from services.testimony.signing.receipts import (
    ConsentReceiptRequest,
    TakedownCause,
    TakedownReason,
    issue_consent_receipt,
)
from services.testimony.signing.tokens import issue_token
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.ids import new_id
from shared.schemas.testimony import (
    ConsentChangeRead,
    ConsentGive,
    ConsentGiven,
    ConsentTermsModel,
)

WITHDRAWAL_PATH = "/public/consent/withdrawals"
TAKEDOWN_REASONS = {
    ConsentEventKind.NARROWED: TakedownReason.NARROWED,
    ConsentEventKind.WITHDRAWN: TakedownReason.WITHDRAWN,
}


def to_terms(model: ConsentTermsModel) -> ConsentTerms:
    """Domain terms from their wire form."""
    try:
        return ConsentTerms(
            grants={
                Purpose(name): PurposeConditions(
                    attribution=Attribution(c.attribution),
                    face_obscured=c.face_obscured,
                    voice_obscured=c.voice_obscured,
                    embargo_until=c.embargo_until,
                    expires_at=c.expires_at,
                    approval_required=c.approval_required,
                )
                for name, c in model.grants.items()
            },
            notice_version=model.notice_version,
            method=ConsentMethod(model.method),
        )
    except ConsentTermsInvalid as error:
        raise ConsentTermsRejected(f"The consent terms are invalid: {error}.") from error


def to_terms_model(terms: ConsentTerms) -> ConsentTermsModel:
    """The wire form of domain terms."""
    return ConsentTermsModel.model_validate(serialize_terms(terms))


async def _append(
    session: AsyncSession, kit: Toolkit, record: ConsentRecord, event: ConsentEvent, recorded_by: str
) -> tuple[ChainedConsentEvent, str]:
    try:
        chain = await repository.load_chain(session, record.id)
        link = append_event(record.id, chain, event)
    except ConsentChainBroken as error:
        raise ConsentChangeRefused(f"The consent history fails verification ({error}); nothing was changed.") from error
    except ConsentTransitionRefused as error:
        raise ConsentChangeRefused(f"The consent cannot be {event.kind.value}: {error}.") from error
    receipt = issue_consent_receipt(
        kit.signing_key,
        ConsentReceiptRequest(
            issuer=kit.settings.issuer,
            record_id=record.id,
            testimony_id=record.testimony_id,
            link=link,
            withdrawal_url=kit.public_url(WITHDRAWAL_PATH),
        ),
    )
    row = ConsentEventRow(
        id=new_id(),
        partner_id=record.partner_id,
        record_id=record.id,
        sequence=link.sequence,
        kind=event.kind.value,
        payload=serialize_event(event),
        previous_hash=link.previous_hash,
        event_hash=link.event_hash,
        occurred_at=event.occurred_at,
        recorded_by=recorded_by,
        receipt=receipt,
    )
    await repository.add_rows(session, row)
    return link, receipt


async def _is_in_force(session: AsyncSession, record: ConsentRecord) -> bool:
    try:
        return fold_state(await repository.load_chain(session, record.id)).is_active
    except ConsentChainBroken as error:
        raise ConsentChangeRefused(f"The consent history fails verification ({error}); nothing was changed.") from error


async def _give(
    session: AsyncSession, kit: Toolkit, actor: Principal, testimony: Testimony, subject_ref: str, terms: ConsentTerms
) -> ConsentGiven:
    token = issue_token()
    record = await repository.find_record_for_subject(session, testimony.id, subject_ref)
    if record is None:
        record = ConsentRecord(
            id=new_id(),
            partner_id=testimony.partner_id,
            testimony_id=testimony.id,
            subject_ref=subject_ref,
            withdrawal_token_hash=token.token_hash,
            created_at=utc_now(),
        )
        await repository.add_rows(session, record)
    elif await _is_in_force(session, record):
        raise ConsentAlreadyRecorded("This person's consent is in force; narrow, renew or withdraw it instead.")
    else:
        # Consent given again after a withdrawal gets a fresh token; the old one stops working.
        record.withdrawal_token_hash = token.token_hash
    link, receipt = await _append(
        session, kit, record, ConsentEvent(ConsentEventKind.GIVEN, utc_now(), terms), actor.subject
    )
    await record_change(
        session,
        kit.publisher,
        Change(
            actor,
            CONSENT,
            record.id,
            ConsentEventKind.GIVEN.value,
            partner_id=record.partner_id,
            detail={"consent_version": str(link.version)},
        ),
    )
    return ConsentGiven(
        record_id=record.id,
        subject_ref=record.subject_ref,
        event="given",
        consent_version=str(link.version),
        receipt=receipt,
        withdrawal_token=token.token,
    )


async def give_consent(
    session: AsyncSession, kit: Toolkit, actor: Principal, testimony_id: str, data: ConsentGive
) -> ConsentGiven:
    """Record a person's consent for a testimony and hand back its receipt and withdrawal token."""
    testimony = await find_testimony(session, testimony_id)
    refs = await family_refs_of(session, testimony.id)
    if data.subject_ref != AUTHOR and data.subject_ref not in refs:
        raise SubjectNotInTestimony(f"{data.subject_ref} is neither `author` nor a family member of this testimony.")
    return await _give(session, kit, actor, testimony, data.subject_ref, to_terms(data.terms))


async def _change(
    session: AsyncSession,
    kit: Toolkit,
    actor: Principal,
    record: ConsentRecord,
    kind: ConsentEventKind,
    terms: ConsentTerms | None,
) -> ConsentChangeRead:
    link, receipt = await _append(session, kit, record, ConsentEvent(kind, utc_now(), terms), actor.subject)
    await record_change(
        session,
        kit.publisher,
        Change(
            actor,
            CONSENT,
            record.id,
            kind.value,
            partner_id=record.partner_id,
            detail={"consent_version": str(link.version)},
        ),
    )
    reason = TAKEDOWN_REASONS.get(kind, TakedownReason.NARROWED)
    cause = TakedownCause(record_id=record.id, event=kind, consent_version=str(link.version))
    takedowns = await reconcile_publications(session, kit, actor, record.testimony_id, reason, cause)
    return ConsentChangeRead(
        record_id=record.id,
        subject_ref=record.subject_ref,
        event=kind.value,
        consent_version=str(link.version),
        receipt=receipt,
        takedowns=takedowns,
    )


async def _find_record(session: AsyncSession, testimony_id: str, record_id: str) -> ConsentRecord:
    record = await repository.get_record(session, record_id, lock=True)
    if record is None or record.testimony_id != testimony_id:
        raise ConsentRecordNotFound(f"No consent record {record_id} exists in testimony {testimony_id}.")
    return record


async def change_consent(
    session: AsyncSession,
    kit: Toolkit,
    actor: Principal,
    testimony_id: str,
    record_id: str,
    kind: ConsentEventKind,
    terms: ConsentTermsModel | None,
) -> ConsentChangeRead:
    """Narrow, renew or withdraw a consent on the person's behalf; what it no longer covers goes down at once."""
    record = await _find_record(session, testimony_id, record_id)
    return await _change(session, kit, actor, record, kind, None if terms is None else to_terms(terms))


async def give_consent_as_holder(
    session: AsyncSession, kit: Toolkit, holder: TokenHolder, terms: ConsentTermsModel
) -> ConsentGiven:
    """The person gives their own consent with their token; the withdrawal token and receipt go to them alone."""
    if terms.method != ConsentMethod.ELECTRONIC_FORM.value:
        raise ConsentTermsRejected("A consent given with a token is given in a form: method must be electronic_form.")
    return await _give(session, kit, holder.principal, holder.testimony, holder.subject_ref, to_terms(terms))


async def withdraw_as_holder(session: AsyncSession, kit: Toolkit, holder: TokenHolder) -> ConsentChangeRead:
    """Withdraw the holder's consent; every publication it covered is down before this returns."""
    record = holder.require_record()
    return await _change(session, kit, holder.principal, record, ConsentEventKind.WITHDRAWN, None)


async def narrow_as_holder(
    session: AsyncSession, kit: Toolkit, holder: TokenHolder, terms: ConsentTermsModel
) -> ConsentChangeRead:
    """Narrow the holder's consent; what it no longer covers is down before this returns."""
    record = holder.require_record()
    return await _change(session, kit, holder.principal, record, ConsentEventKind.NARROWED, to_terms(terms))
