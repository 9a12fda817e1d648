"""Consent terms in the spirit of ISO/IEC TS 27560: purposes, their conditions, the notice and the method."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from services.testimony.consent.errors import ConsentTermsInvalid


class Purpose(StrEnum):
    """A use of a testimony that a person can consent to separately."""

    PUBLIC_PUBLICATION = "public_publication"
    PRESS = "press"
    PARTNER_GOVERNMENTS = "partner_governments"
    PROSECUTORS = "prosecutors"


class Attribution(StrEnum):
    """Whether the person may be identified in what is used."""

    NAMED = "named"
    ANONYMOUS = "anonymous"


class ConsentMethod(StrEnum):
    """How the consent was expressed, so a reviewer can judge its weight later."""

    ELECTRONIC_FORM = "electronic_form"
    SIGNED_PAPER_FORM = "signed_paper_form"
    RECORDED_VERBAL = "recorded_verbal"
    OFFICER_WITNESSED = "officer_witnessed"


class ConsentEventKind(StrEnum):
    """What a change to a consent did."""

    GIVEN = "given"
    NARROWED = "narrowed"
    RENEWED = "renewed"
    WITHDRAWN = "withdrawn"


def require_aware(moment: datetime, what: str) -> datetime:
    """Return the moment unchanged, refusing a naive datetime that could be read in any time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ConsentTermsInvalid(f"{what} must carry a time zone")
    return moment


@dataclass(frozen=True)
class PurposeConditions:
    """The conditions attached to one consented purpose."""

    attribution: Attribution = Attribution.ANONYMOUS
    face_obscured: bool = True
    voice_obscured: bool = True
    embargo_until: datetime | None = None
    expires_at: datetime | None = None
    approval_required: bool = False

    def __post_init__(self) -> None:
        if self.embargo_until is not None:
            require_aware(self.embargo_until, "embargo_until")
        if self.expires_at is not None:
            require_aware(self.expires_at, "expires_at")
        if self.embargo_until is not None and self.expires_at is not None and self.expires_at <= self.embargo_until:
            raise ConsentTermsInvalid("expires_at must fall after embargo_until")


@dataclass(frozen=True)
class ConsentTerms:
    """Everything a person agreed to at one moment: per-purpose conditions, the notice seen, the method."""

    grants: Mapping[Purpose, PurposeConditions]
    notice_version: str
    method: ConsentMethod

    def __post_init__(self) -> None:
        if not self.grants:
            raise ConsentTermsInvalid("a consent must grant at least one purpose")
        if not self.notice_version.strip():
            raise ConsentTermsInvalid("notice_version must name the notice the person saw")
        # A read-only copy, so terms cannot change after they were hashed into the history.
        object.__setattr__(self, "grants", MappingProxyType(dict(self.grants)))


def is_within(narrower: PurposeConditions, wider: PurposeConditions) -> bool:
    """Tell whether every use allowed by `narrower` is also allowed by `wider`."""
    attribution_ok = narrower.attribution is Attribution.ANONYMOUS or wider.attribution is Attribution.NAMED
    face_ok = narrower.face_obscured or not wider.face_obscured
    voice_ok = narrower.voice_obscured or not wider.voice_obscured
    approval_ok = narrower.approval_required or not wider.approval_required
    embargo_ok = wider.embargo_until is None or (
        narrower.embargo_until is not None and narrower.embargo_until >= wider.embargo_until
    )
    expiry_ok = wider.expires_at is None or (
        narrower.expires_at is not None and narrower.expires_at <= wider.expires_at
    )
    return attribution_ok and face_ok and voice_ok and approval_ok and embargo_ok and expiry_ok


def terms_within(narrower: ConsentTerms, wider: ConsentTerms) -> bool:
    """Tell whether `narrower` grants nothing that `wider` did not."""
    return all(
        purpose in wider.grants and is_within(conditions, wider.grants[purpose])
        for purpose, conditions in narrower.grants.items()
    )
