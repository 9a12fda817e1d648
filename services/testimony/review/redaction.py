"""Making a derivative: the sealed original redacted (text) or stripped of metadata (media), checked, sealed again."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Sequence

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import (
    DERIVATIVE_FIELDS,
    Toolkit,
    load_sealed,
    store_sealed,
    utc_now,
)
from services.testimony.consent.holders import AUTHOR
from services.testimony.derivatives.errors import DerivativeError, RedactionSpanOutOfRange
from services.testimony.derivatives.text import (
    RedactedText,
    RedactionSpan,
    find_remaining_terms,
    find_term_spans,
    redact_text,
)
from services.testimony.errors import MediaRejected, SubjectNotInTestimony
from services.testimony.intake.service import (
    ORIGINAL_FIELD,
    family_refs_of,
    find_original,
    find_testimony,
    find_text_original,
)
from services.testimony.models import Testimony
from services.testimony.review import repository
from services.testimony.review.errors import DerivativeNotFound, RedactionRejected
from services.testimony.review.models import Derivative, DerivativeMedia
from services.testimony.review.service import describe_derivative
from services.testimony.signing.manifests import (
    PLAIN_TEXT,
    TITLE_PART,
    ManifestPart,
    describe_part,
    describe_text_part,
    summarise_parts,
)
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.ids import new_id
from shared.schemas.testimony import (
    DerivativeCreate,
    DerivativeRead,
)

MEDIA_FIELD = "derivative_media.wrapped_key"


def _check_subjects(refs: set[str | None], known: Sequence[str]) -> None:
    unknown = sorted(ref for ref in refs if ref is not None and ref != AUTHOR and ref not in known)
    if unknown:
        raise SubjectNotInTestimony(f"Redactions name people this testimony does not identify: {', '.join(unknown)}.")


def _redact(original: str, data: DerivativeCreate) -> RedactedText:
    spans = [RedactionSpan(s.start, s.end, s.category, s.subject_ref) for s in data.spans]
    for group in data.redact_terms:
        spans += find_term_spans(original, group.terms, group.category, group.subject_ref)
    try:
        redacted = redact_text(original, spans)
    except RedactionSpanOutOfRange as error:
        raise RedactionRejected(f"A redaction span does not fit the text: {error}.") from error
    _check_no_mention_left(original, redacted.text, spans)
    return redacted


def _check_no_mention_left(original: str, redacted: str, spans: Sequence[RedactionSpan]) -> None:
    # A family member counts as redacted, and so needs no consent of their own, only if every mention is
    # gone: a name hidden in one place and left in another still identifies them.
    hidden: dict[str, set[str]] = {}
    for span in spans:
        if span.subject_ref is not None:
            hidden.setdefault(span.subject_ref, set()).add(original[span.start : span.end])
    for subject, words in sorted(hidden.items()):
        left = find_remaining_terms(redacted, words)
        if left:
            raise RedactionRejected(
                f"Subject {subject} is still named {len(left)} way(s) elsewhere in the text; redact every mention "
                "(redact_terms hides a word wherever it occurs)."
            )


def declarations_part(derivative_facts: dict[str, object]) -> ManifestPart:
    """What the derivative declares about itself (naming, obscuring, who was redacted), as a hashed part."""
    body = json.dumps(derivative_facts, sort_keys=True, separators=(",", ":")).encode()
    return describe_part("declarations", "application/json", body)


async def _strip_media(
    session: AsyncSession, kit: Toolkit, testimony: Testimony, derivative_id: str, original_ids: Sequence[str]
) -> list[DerivativeMedia]:
    media: list[DerivativeMedia] = []
    for index, original_id in enumerate(dict.fromkeys(original_ids), start=1):
        original = await find_original(session, testimony.id, original_id)
        if original.kind != "media":
            raise MediaRejected(f"Original {original_id} is the text, not a media file.")
        content = await load_sealed(
            session,
            kit,
            testimony.partner_id,
            original.storage_key,
            original.wrapped_key,
            field=ORIGINAL_FIELD,
            row=original.id,
        )
        try:
            stripped = await anyio.to_thread.run_sync(kit.stripper.strip, content, original.media_type)
        except DerivativeError as error:
            raise MediaRejected(f"Original {original_id} cannot be published: {error}.") from error
        row_id = new_id()
        key = f"derivatives/{testimony.partner_id}/{row_id}"
        wrapped = await store_sealed(
            session, kit, testimony.partner_id, key, stripped.content, field=MEDIA_FIELD, row=row_id
        )
        extension = mimetypes.guess_extension(stripped.media_type) or ".bin"
        media.append(
            DerivativeMedia(
                id=row_id,
                partner_id=testimony.partner_id,
                derivative_id=derivative_id,
                original_id=original.id,
                name=f"media-{index}{extension}",
                media_type=stripped.media_type,
                sha256=stripped.sha256,
                size=len(stripped.content),
                storage_key=key,
                wrapped_key=wrapped,
                removed=list(stripped.removed),
            )
        )
    return media


async def create_derivative(
    session: AsyncSession, kit: Toolkit, actor: Principal, testimony_id: str, data: DerivativeCreate
) -> DerivativeRead:
    """Redact the sealed text, strip the chosen media, and record the derivative with its content hash."""
    testimony = await find_testimony(session, testimony_id)
    if data.author_named != (data.attribution is not None):
        raise RedactionRejected("Give an attribution exactly when the author is named.")
    known = await family_refs_of(session, testimony.id)
    _check_subjects({s.subject_ref for s in data.spans} | {g.subject_ref for g in data.redact_terms}, known)
    text_original = await find_text_original(session, testimony.id)
    if text_original is None:
        raise DerivativeNotFound("The testimony has no text to redact.")
    original = await load_sealed(
        session,
        kit,
        testimony.partner_id,
        text_original.storage_key,
        text_original.wrapped_key,
        field=ORIGINAL_FIELD,
        row=text_original.id,
    )
    redacted = _redact(original.decode("utf-8"), data)
    derivative_id = new_id()
    media = await _strip_media(session, kit, testimony, derivative_id, data.media_original_ids)
    subjects = sorted(redacted.redacted_subjects)
    declarations = {
        "author_named": data.author_named,
        "faces_obscured": data.faces_obscured,
        "voices_obscured": data.voices_obscured,
        "redacted_subjects": subjects,
    }
    parts = [describe_text_part(data.title, TITLE_PART), describe_text_part(redacted.text)]
    if data.attribution is not None:
        parts.append(describe_part("attribution", PLAIN_TEXT, data.attribution.encode()))
    parts.append(declarations_part(declarations))
    parts += [ManifestPart(m.name, m.media_type, m.sha256, m.size) for m in media]
    partner = testimony.partner_id
    title_field, text_field, attribution_field = DERIVATIVE_FIELDS
    derivative = Derivative(
        id=derivative_id,
        partner_id=partner,
        testimony_id=testimony.id,
        title_enc=await kit.cipher.encrypt(session, partner, data.title, field=title_field, row=derivative_id),
        text_enc=await kit.cipher.encrypt(session, partner, redacted.text, field=text_field, row=derivative_id),
        attribution_enc=None
        if data.attribution is None
        else await kit.cipher.encrypt(session, partner, data.attribution, field=attribution_field, row=derivative_id),
        author_named=data.author_named,
        faces_obscured=data.faces_obscured,
        voices_obscured=data.voices_obscured,
        redaction=[
            {
                "original_start": e.original_start,
                "original_end": e.original_end,
                "derivative_start": e.derivative_start,
                "derivative_end": e.derivative_end,
                "categories": list(e.categories),
                "subject_refs": sorted(e.subject_refs),
            }
            for e in redacted.entries
        ],
        redacted_subjects=subjects,
        parts=[{"name": p.name, "media_type": p.media_type, "sha256": p.sha256, "size": p.size} for p in parts],
        content_sha256=summarise_parts(parts),
        original_sha256=redacted.original_sha256,
        created_by=actor.subject,
        created_at=utc_now(),
    )
    await repository.add_rows(session, derivative)
    await repository.add_rows(session, *media)
    await record_change(
        session, kit.publisher, Change(actor, "derivative", derivative.id, "created", partner_id=partner)
    )
    return await describe_derivative(session, kit, derivative)
