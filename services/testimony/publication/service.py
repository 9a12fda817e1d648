"""Publication rules: publish only what every required consent covers, after review; take down at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import (
    PUBLIC_ROOT,
    REQUIRED_REVIEWERS,
    Toolkit,
    approved_by,
    decrypt_derivative,
    utc_now,
)
from services.testimony.consent import subjects
from services.testimony.consent.coverage import (
    DerivativeFacts,
    PublicationDecision,
    SubjectConsent,
    decide_publication,
)
from services.testimony.consent.domain import Purpose
from services.testimony.consent.errors import ConsentChainBroken
from services.testimony.errors import PublicationNotFound
from services.testimony.intake.service import family_refs_of, find_testimony
from services.testimony.models import Derivative, DerivativeMedia
from services.testimony.publication import repository
from services.testimony.publication.errors import PublicationRefused
from services.testimony.publication.models import Publication
from services.testimony.review import service as review
from services.testimony.signing.manifests import ManifestPart, PublicationManifest, sign_manifest
from services.testimony.signing.receipts import TakedownReason
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.ids import new_id
from shared.schemas.testimony import (
    CoverageRead,
    PublicationRead,
    SubjectCoverageRead,
    TakedownReasonName,
)

PURPOSE = Purpose.PUBLIC_PUBLICATION


def public_paths(publication_id: str) -> tuple[str, str, str]:
    """The page, item document and manifest paths of a publication."""
    base = f"{PUBLIC_ROOT}/{publication_id}"
    return base, f"{base}/item.json", f"{base}/manifest.jws"


def to_read(kit: Toolkit, row: Publication) -> PublicationRead:
    """The wire form of a publication as its partner sees it."""
    page, item, manifest = (kit.public_url(path) for path in public_paths(row.id))
    return PublicationRead(
        id=row.id,
        testimony_id=row.testimony_id,
        derivative_id=row.derivative_id,
        purpose="public_publication",
        page_url=page,
        json_url=item,
        manifest_url=manifest,
        manifest=row.manifest,
        content_sha256=row.content_sha256,
        consent_versions=list(row.consent_versions),
        published_at=row.published_at,
        covered_until=row.covered_until,
        taken_down_at=row.taken_down_at,
        takedown_reason=_reason_name(row.takedown_reason),
        takedown_receipt=row.takedown_receipt,
    )


def _reason_name(value: str | None) -> TakedownReasonName | None:
    return None if value is None else TakedownReason(value).value


async def decide_for_derivative(
    session: AsyncSession,
    derivative: Derivative,
    consents: Mapping[str, SubjectConsent],
    purpose: Purpose,
    at: datetime,
) -> PublicationDecision:
    """Decide whether the consents in force (`consents`, by subject) cover a derivative for a purpose at a moment."""
    family = await family_refs_of(session, derivative.testimony_id)
    approvals = await review.list_subject_approvals(session, [derivative.id])

    def consent_of(ref: str) -> SubjectConsent:
        return consents.get(ref) or SubjectConsent(subject_ref=ref, record_id=f"absent:{ref}", chain=[])

    facts = DerivativeFacts(
        author_named=derivative.author_named,
        faces_obscured=derivative.faces_obscured,
        voices_obscured=derivative.voices_obscured,
        redacted_subjects=frozenset(derivative.redacted_subjects),
        approved_by=approved_by(approvals, derivative.content_sha256),
    )
    return decide_publication(purpose, consent_of("author"), [consent_of(ref) for ref in family], facts, at)


def to_coverage(decision: PublicationDecision) -> CoverageRead:
    """The wire form of a coverage decision."""
    return CoverageRead(
        purpose=decision.purpose.value,
        allowed=decision.allowed,
        decided_at=decision.decided_at,
        covered_until=decision.covered_until,
        subjects=[
            SubjectCoverageRead(
                subject_ref=s.subject_ref,
                covered=s.covered,
                refusals=[r.value for r in s.refusals],
                consent_version=None if s.consent_version is None else str(s.consent_version),
            )
            for s in decision.subjects
        ],
    )


async def check_coverage(
    session: AsyncSession, testimony_id: str, derivative_id: str, purpose: Purpose
) -> CoverageRead:
    """Whether the consents in force now cover a derivative for a purpose, and what refuses it."""
    derivative = await review.find_derivative(session, testimony_id, derivative_id)
    consents = await subjects.load_subject_consents(session, derivative.testimony_id)
    return to_coverage(await decide_for_derivative(session, derivative, consents, purpose, utc_now()))


async def publish_derivative(
    session: AsyncSession, kit: Toolkit, actor: Principal, testimony_id: str, derivative_id: str
) -> PublicationRead:
    """Publish a reviewed derivative that every required consent covers, with a signed manifest."""
    derivative = await review.find_derivative(session, testimony_id, derivative_id)
    # Lock the consent records first: a withdrawal running at the same time either sees this publication
    # when it looks for what to take down, or has already committed before this decision is made.
    await subjects.lock_records(session, derivative.testimony_id)
    if await repository.find_live_for_derivative(session, derivative.id) is not None:
        raise PublicationRefused("This derivative is already published.")
    reviewers = {
        r.reviewer
        for r in await review.list_reviews(session, [derivative.id])
        if r.content_sha256 == derivative.content_sha256
    }
    if len(reviewers) < REQUIRED_REVIEWERS:
        raise PublicationRefused(f"{REQUIRED_REVIEWERS} distinct reviewers must approve it; {len(reviewers)} did.")
    now = utc_now()
    try:
        consents = await subjects.load_subject_consents(session, derivative.testimony_id)
        decision = await decide_for_derivative(session, derivative, consents, PURPOSE, now)
    except ConsentChainBroken as error:
        raise PublicationRefused(f"A consent history fails verification ({error}); nothing is published.") from error
    if not decision.allowed:
        missing = "; ".join(
            f"{s.subject_ref}: {', '.join(r.value for r in s.refusals)}" for s in decision.subjects if not s.covered
        )
        raise PublicationRefused(f"The consents in force do not cover publishing it now ({missing}).")
    title, text, attribution = await decrypt_derivative(session, kit, derivative)
    publication_id = new_id()
    versions = tuple(str(s.consent_version) for s in decision.subjects if s.consent_version is not None)
    manifest = PublicationManifest(
        issuer=kit.settings.issuer,
        publication_id=publication_id,
        item_id=publication_id,
        published_at=now,
        consent_versions=versions,
        parts=tuple(ManifestPart(**part) for part in derivative.parts),
    )
    row = Publication(
        id=publication_id,
        partner_id=derivative.partner_id,
        testimony_id=derivative.testimony_id,
        derivative_id=derivative.id,
        purpose=PURPOSE.value,
        title=title,
        text=text,
        attribution=attribution,
        manifest=sign_manifest(kit.signing_key, manifest),
        content_sha256=derivative.content_sha256,
        consent_versions=list(versions),
        record_ids=[consents[s.subject_ref].record_id for s in decision.subjects if s.subject_ref in consents],
        published_by=actor.subject,
        published_at=now,
        covered_until=decision.covered_until,
    )
    await repository.add_rows(session, row)
    await record_change(
        session, kit.publisher, Change(actor, "publication", row.id, "published", partner_id=row.partner_id)
    )
    return to_read(kit, row)


async def list_publications(session: AsyncSession, kit: Toolkit, testimony_id: str) -> list[PublicationRead]:
    """Every publication of a testimony, live or taken down."""
    testimony = await find_testimony(session, testimony_id)
    return [to_read(kit, row) for row in await repository.list_for_testimony(session, testimony.id)]


async def read_publication(session: AsyncSession, kit: Toolkit, publication_id: str) -> PublicationRead:
    """One publication of the session's partner."""
    row = await repository.get_publication(session, publication_id)
    if row is None:
        raise PublicationNotFound(f"No publication {publication_id} exists for your organisation.")
    return to_read(kit, row)


async def list_for_testimony(session: AsyncSession, testimony_id: str) -> Sequence[Publication]:
    """Every publication of a testimony, oldest first, live or not."""
    return await repository.list_for_testimony(session, testimony_id)


async def list_public(session: AsyncSession, now: datetime) -> Sequence[Publication]:
    """What the public may see now, newest first, in every tenant."""
    return await repository.list_public(session, now)


async def list_withdrawn(session: AsyncSession, now: datetime) -> Sequence[Publication]:
    """Publications no longer public (taken down or lapsed), most recent first, in every tenant."""
    return await repository.list_withdrawn(session, now)


async def find_public(session: AsyncSession, publication_id: str) -> Publication | None:
    """A publication by its public id, in any tenant."""
    return await repository.find_public(session, publication_id)


async def list_public_media(session: AsyncSession, derivative_ids: Sequence[str]) -> Sequence[DerivativeMedia]:
    """The media of published derivatives, in any tenant."""
    return await repository.list_public_media(session, derivative_ids)
