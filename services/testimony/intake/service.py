"""Intake rules: testimonies come in by an officer or by the applicant's token; originals are sealed at once."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import Toolkit, store_sealed, token_holder, utc_now
from services.testimony.errors import MediaRejected, TokenNotRecognised
from services.testimony.intake import repository
from services.testimony.intake.errors import OriginalNotFound, TestimonyNotFound
from services.testimony.intake.models import FamilyMember, Original, SubmissionToken, Testimony
from services.testimony.signing.tokens import hash_token, issue_token
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.ids import new_id
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.testimony import (
    ApplicantSubmission,
    ApplicantSubmissionRead,
    OriginalRead,
    SubmissionTokenCreate,
    SubmissionTokenIssued,
    TestimonyCreate,
    TestimonyRead,
)

SUBMISSION_TOKEN_PREFIX = "sub_"  # noqa: S105 - a label on each token, not a secret
ORIGINAL_FIELD = "originals.wrapped_key"
MAX_MEDIA_BYTES = 200 * 1024 * 1024
ACCEPTED_MEDIA = ("image/", "audio/", "video/")


def to_original_read(row: Original) -> OriginalRead:
    """The wire form of an original: hashes and sizes, never content."""
    return OriginalRead(
        id=row.id,
        kind="text" if row.kind == "text" else "media",
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        created_at=row.created_at,
    )


def to_read(row: Testimony, originals: Sequence[Original], family_refs: Sequence[str]) -> TestimonyRead:
    """The wire form of a testimony."""
    return TestimonyRead(
        id=row.id,
        partner_id=row.partner_id,
        applicant_id=row.applicant_id,
        language=row.language,
        submitted_via="applicant" if row.submitted_via == "applicant" else "officer",
        family_member_refs=list(family_refs),
        originals=[to_original_read(o) for o in originals],
        created_at=row.created_at,
    )


async def seal_original(
    session: AsyncSession, kit: Toolkit, testimony: Testimony, kind: str, media_type: str, content: bytes
) -> Original:
    """Hash an original, seal it into the blob store and record it."""
    row_id = new_id()
    storage_key = f"originals/{testimony.partner_id}/{row_id}"
    wrapped = await store_sealed(
        session, kit, testimony.partner_id, storage_key, content, field=ORIGINAL_FIELD, row=row_id
    )
    row = Original(
        id=row_id,
        partner_id=testimony.partner_id,
        testimony_id=testimony.id,
        kind=kind,
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        storage_key=storage_key,
        wrapped_key=wrapped,
        created_at=utc_now(),
    )
    await repository.add_rows(session, row)
    return row


async def _create(
    session: AsyncSession,
    kit: Toolkit,
    partner_id: str,
    applicant_id: str,
    language: str,
    text: str,
    family_refs: Sequence[str],
    via: str,
    by: str,
) -> tuple[Testimony, Original]:
    now = utc_now()
    testimony = Testimony(
        id=new_id(),
        partner_id=partner_id,
        applicant_id=applicant_id,
        language=language,
        submitted_via=via,
        submitted_by=by,
        created_at=now,
    )
    members = [
        FamilyMember(id=new_id(), partner_id=partner_id, testimony_id=testimony.id, subject_ref=ref, created_at=now)
        for ref in sorted(set(family_refs))
    ]
    await repository.add_rows(session, testimony)
    await repository.add_rows(session, *members)
    original = await seal_original(session, kit, testimony, "text", "text/plain; charset=utf-8", text.encode())
    return testimony, original


async def create_testimony(
    session: AsyncSession, kit: Toolkit, actor: Principal, data: TestimonyCreate
) -> TestimonyRead:
    """Take in a testimony from an officer: the text is sealed and only its hash is kept in the clear."""
    testimony, original = await _create(
        session,
        kit,
        actor.org,
        data.applicant_id,
        data.language,
        data.text,
        data.family_member_refs,
        "officer",
        actor.subject,
    )
    await record_change(
        session, kit.publisher, Change(actor, "testimony", testimony.id, "submitted", partner_id=actor.org)
    )
    return to_read(testimony, [original], sorted(set(data.family_member_refs)))


async def issue_submission_token(
    session: AsyncSession, kit: Toolkit, actor: Principal, data: SubmissionTokenCreate
) -> SubmissionTokenIssued:
    """Create a one-time token with which the applicant can submit a testimony without an account."""
    issued = issue_token(SUBMISSION_TOKEN_PREFIX)
    now = utc_now()
    testimony = None if data.testimony_id is None else await find_testimony(session, data.testimony_id)
    if testimony is not None and testimony.applicant_id != data.applicant_id:
        raise TestimonyNotFound(f"No testimony {data.testimony_id} of applicant {data.applicant_id} exists.")
    row = SubmissionToken(
        id=new_id(),
        partner_id=actor.org,
        applicant_id=data.applicant_id,
        token_hash=issued.token_hash,
        created_by=actor.subject,
        created_at=now,
        expires_at=now + timedelta(hours=kit.settings.submission_token_hours),
        # A token for a testimony already taken in submits nothing: it only opens that testimony for its author.
        used_at=None if testimony is None else now,
        testimony_id=None if testimony is None else testimony.id,
    )
    await repository.add_rows(session, row)
    await record_change(
        session, kit.publisher, Change(actor, "submission_token", row.id, "issued", partner_id=actor.org)
    )
    return SubmissionTokenIssued(token=issued.token, expires_at=row.expires_at)


async def submit_with_token(session: AsyncSession, kit: Toolkit, data: ApplicantSubmission) -> ApplicantSubmissionRead:
    """Take in a testimony from the applicant; the token is used up by this one submission."""
    token = await repository.find_submission_token(session, hash_token(data.token))
    now = utc_now()
    if token is None or token.used_at is not None or token.expires_at <= now:
        raise TokenNotRecognised("The submission token is not valid; ask the officer for a new one.")
    token.used_at = now
    testimony, original = await _create(
        session,
        kit,
        token.partner_id,
        token.applicant_id,
        data.language,
        data.text,
        data.family_member_refs,
        "applicant",
        "token:submission",
    )
    # From now on the token opens this testimony for its author (`/my-testimony`); it never submits again.
    token.testimony_id = testimony.id
    holder = token_holder(token.partner_id, "submission")
    # The token is used up by this submission: a change of its own, announced like the testimony it brought.
    await record_change(
        session, kit.publisher, Change(holder, "submission_token", token.id, "used", partner_id=token.partner_id)
    )
    await record_change(
        session, kit.publisher, Change(holder, "testimony", testimony.id, "submitted", partner_id=token.partner_id)
    )
    return ApplicantSubmissionRead(testimony_id=testimony.id, text_sha256=original.sha256, received_at=now)


async def find_testimony(session: AsyncSession, testimony_id: str) -> Testimony:
    """A testimony of the session's partner, or 404."""
    testimony = await repository.get_testimony(session, testimony_id)
    if testimony is None:
        raise TestimonyNotFound(f"No testimony {testimony_id} exists for your organisation.")
    return testimony


async def add_media(
    session: AsyncSession, kit: Toolkit, actor: Principal, testimony_id: str, media_type: str, content: bytes
) -> OriginalRead:
    """Seal an image, audio or video original; it is stripped only when a derivative is made from it."""
    testimony = await find_testimony(session, testimony_id)
    if not media_type.lower().startswith(ACCEPTED_MEDIA):
        raise MediaRejected(f"{media_type} is not accepted; send an image, audio or video file.")
    if not content or len(content) > MAX_MEDIA_BYTES:
        raise MediaRejected(f"A media file must hold between 1 byte and {MAX_MEDIA_BYTES} bytes.")
    original = await seal_original(session, kit, testimony, "media", media_type.lower(), content)
    await record_change(
        session,
        kit.publisher,
        Change(
            actor,
            "testimony",
            testimony.id,
            "media_added",
            partner_id=testimony.partner_id,
            detail={"original_id": original.id},
        ),
    )
    return to_original_read(original)


async def find_original(session: AsyncSession, testimony_id: str, original_id: str) -> Original:
    """An original of a testimony of the session's partner, or 404."""
    original = await repository.get_original(session, testimony_id, original_id)
    if original is None:
        raise OriginalNotFound(f"No original {original_id} exists in testimony {testimony_id}.")
    return original


async def read_testimony(session: AsyncSession, testimony_id: str) -> TestimonyRead:
    """One testimony's metadata and hashes."""
    testimony = await find_testimony(session, testimony_id)
    originals = await repository.list_originals(session, [testimony.id])
    refs = await repository.list_family_refs(session, [testimony.id])
    return to_read(testimony, originals, refs.get(testimony.id, []))


async def list_testimonies(session: AsyncSession, page: PageParams) -> Page[TestimonyRead]:
    """One page of the partner's testimonies."""
    rows, cursor = split_page(await repository.list_testimonies(session, page), page, lambda r: r.id)
    ids = [r.id for r in rows]
    originals = await repository.list_originals(session, ids)
    refs = await repository.list_family_refs(session, ids)
    items = [to_read(r, [o for o in originals if o.testimony_id == r.id], refs.get(r.id, [])) for r in rows]
    return Page[TestimonyRead](items=items, next_cursor=cursor)


async def family_refs_of(session: AsyncSession, testimony_id: str) -> list[str]:
    """The family member references of one testimony, in order."""
    return (await repository.list_family_refs(session, [testimony_id])).get(testimony_id, [])


async def find_text_original(session: AsyncSession, testimony_id: str) -> Original | None:
    """The text original of a testimony, if it has one."""
    return await repository.get_text_original(session, testimony_id)


async def find_submission_token(session: AsyncSession, token_hash: str) -> SubmissionToken | None:
    """A submission token by its hash, in any tenant, locked until the transaction ends."""
    return await repository.find_submission_token(session, token_hash)
