"""What every testimony domain's rules share: the toolkit of keys and stores, the clock, sealed blobs."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.storage import BlobStore, open_blob, seal_blob
from services.testimony.config import TestimonySettings
from services.testimony.derivatives.media import MediaStripper
from services.testimony.models import Derivative, SubjectApproval
from services.testimony.signing.keys import RetiredPublicKey, SigningKey
from shared.auth import CallerKind, Principal
from shared.crypto import FieldCipher
from shared.outbox import EventPublisher

SERVICE = "testimony"

# Distinct people who must approve the exact derivative before it may be published.
REQUIRED_REVIEWERS = 2

WELL_KNOWN_KEYS = "/.well-known/carrots-testimony-keys.json"
WELL_KNOWN_PEM = "/.well-known/carrots-testimony-key.pem"
PUBLIC_ROOT = "/public/testimonies"
DERIVATIVE_FIELDS = ("derivatives.title", "derivatives.text", "derivatives.attribution")
# A consenting person's answer on a derivative.
APPROVED = "approved"
REFUSED = "refused"


@dataclass(frozen=True)
class Toolkit:
    """The service's keys, stores and settings, handed to the rules by the router."""

    settings: TestimonySettings
    cipher: FieldCipher
    store: BlobStore
    signing_key: SigningKey
    stripper: MediaStripper
    publisher: EventPublisher
    # Keys that signed before a rotation: published for verification, never used to sign.
    retired_keys: tuple[RetiredPublicKey, ...] = ()

    def public_url(self, path: str) -> str:
        """An absolute public URL for a path of this service."""
        return self.settings.public_url.rstrip("/") + path


def utc_now() -> datetime:
    """The current moment in UTC."""
    return datetime.now(UTC)


def approved_by(answers: Sequence[SubjectApproval], content_sha256: str) -> frozenset[str]:
    """The people who approved exactly this content (a refusal, or an approval of other content, counts for nothing)."""
    return frozenset(a.subject_ref for a in answers if a.decision == APPROVED and a.content_sha256 == content_sha256)


def token_holder(partner_id: str, role: str) -> Principal:
    """The principal recorded in the audit log for someone acting with a token instead of a login."""
    return Principal(org=partner_id, kind=CallerKind.public, subject=f"token:{role}")


async def store_sealed(
    session: AsyncSession, kit: Toolkit, partner_id: str, key: str, data: bytes, *, field: str, row: str
) -> str:
    """Seal bytes into the blob store and return their data key, wrapped with the partner's field key for `row`."""
    sealed = seal_blob(data, f"{partner_id}/{key}")
    await kit.store.put(key, sealed.ciphertext)
    encoded = base64.b64encode(sealed.data_key).decode("ascii")
    return await kit.cipher.encrypt(session, partner_id, encoded, field=field, row=row)


async def load_sealed(
    session: AsyncSession, kit: Toolkit, partner_id: str, key: str, wrapped_key: str, *, field: str, row: str
) -> bytes:
    """Open a sealed blob for internal use (redaction or a published derivative), never for an original's reader."""
    data_key = base64.b64decode(await kit.cipher.decrypt(session, partner_id, wrapped_key, field=field, row=row))
    return open_blob(await kit.store.get(key), data_key, f"{partner_id}/{key}")


async def decrypt_derivative(session: AsyncSession, kit: Toolkit, row: Derivative) -> tuple[str, str, str | None]:
    """The title, text and attribution of a derivative."""
    title_field, text_field, attribution_field = DERIVATIVE_FIELDS
    partner = row.partner_id
    title = await kit.cipher.decrypt(session, partner, row.title_enc, field=title_field, row=row.id)
    text = await kit.cipher.decrypt(session, partner, row.text_enc, field=text_field, row=row.id)
    attribution = (
        None
        if row.attribution_enc is None
        else await kit.cipher.decrypt(session, partner, row.attribution_enc, field=attribution_field, row=row.id)
    )
    return title, text, attribution
