"""Publications on the wire: what is published, and what the consenting person sees of it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.schemas.testimony.consent import ConsentRecordRead
from shared.schemas.testimony.review import SubjectDerivativeRead
from shared.schemas.testimony.vocabulary import PurposeName, TakedownReasonName


class PublicationRead(BaseModel):
    """A publication, its public addresses, its signed manifest and, once down, its takedown."""

    id: str
    testimony_id: str
    derivative_id: str
    purpose: PurposeName
    page_url: str
    json_url: str
    manifest_url: str
    manifest: str | None
    content_sha256: str
    consent_versions: list[str]
    published_at: datetime
    covered_until: datetime | None
    taken_down_at: datetime | None
    takedown_reason: TakedownReasonName | None
    takedown_receipt: str | None


class HolderPublicationRead(BaseModel):
    """A publication of the holder's testimony: what the public sees (while live) and which consents it relies on."""

    publication_id: str
    page_url: str
    live: bool
    published_at: datetime
    covered_until: datetime | None
    taken_down_at: datetime | None
    takedown_reason: TakedownReasonName | None
    consent_versions: list[str] = Field(description="Every consent version it was published under.")
    relies_on: str | None = Field(description="The holder's own consent version among them, if any.")
    title: str | None = Field(description="As published; erased at takedown.")
    text: str | None = Field(description="As published; erased at takedown.")
    attribution: str | None


class MyTestimonyRead(BaseModel):
    """What a token holder may see of their testimony: their consent, versions to approve, and what is published."""

    testimony_id: str
    subject_ref: str
    submitted_at: datetime
    consent: ConsentRecordRead | None = Field(description="The holder's own consent history; null if never given.")
    approval_required: bool = Field(description="The consent in force asks the holder to approve each version.")
    derivatives: list[SubjectDerivativeRead] = Field(description="Versions prepared for publication, oldest first.")
    publications: list[HolderPublicationRead] = Field(description="Newest first, live or taken down.")
