"""Signed receipts: one for each consent change, one for each takedown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.testimony.consent.chain import (
    ChainedConsentEvent,
    format_instant,
    serialize_terms,
)
from services.testimony.consent.domain import ConsentEventKind
from services.testimony.signing.jws import (
    CONSENT_RECEIPT_TYPE,
    TAKEDOWN_RECEIPT_TYPE,
    sign_document,
    verify_document,
)
from services.testimony.signing.keys import SigningKey


class TakedownReason(StrEnum):
    """Why a publication was taken down."""

    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    NARROWED = "narrowed"


@dataclass(frozen=True)
class ConsentReceiptRequest:
    """What a consent receipt states: whose record, which testimony, and the event it acknowledges."""

    issuer: str
    record_id: str
    testimony_id: str
    link: ChainedConsentEvent
    withdrawal_url: str | None = None


def issue_consent_receipt(key: SigningKey, request: ConsentReceiptRequest) -> str:
    """Sign a receipt for one consent event; it names the record by pseudonymous id and holds no personal data."""
    event = request.link.event
    claims: dict[str, Any] = {
        "iss": request.issuer,
        "iat": int(event.occurred_at.timestamp()),
        "jti": str(uuid.uuid4()),
        "sub": request.record_id,
        "testimony_id": request.testimony_id,
        "event": event.kind.value,
        "occurred_at": format_instant(event.occurred_at),
        "consent_version": str(request.link.version),
        "terms": None if event.terms is None else serialize_terms(event.terms),
    }
    if request.withdrawal_url is not None:
        claims["withdrawal_url"] = request.withdrawal_url
    return sign_document(key, claims, CONSENT_RECEIPT_TYPE)


def read_consent_receipt(token: str, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """Verify a consent receipt and return what it states."""
    return verify_document(token, public_key, CONSENT_RECEIPT_TYPE)


@dataclass(frozen=True)
class TakedownCause:
    """The consent event that caused a takedown: whose record (by pseudonymous id), what it did, its version."""

    record_id: str
    event: ConsentEventKind
    consent_version: str


@dataclass(frozen=True)
class TakedownRequest:
    """What a takedown receipt states: which publication went down, when, why, and what consent it relied on.

    `consent_version` is the first version the publication relied on (the author's), kept for verifiers
    that read only it; `consent_versions` lists every one; `cause` names the consent event that caused the
    takedown, absent when nothing did (an expiry).
    """

    issuer: str
    publication_id: str
    testimony_id: str
    taken_down_at: datetime
    reason: TakedownReason
    consent_version: str | None
    consent_versions: tuple[str, ...] = ()
    cause: TakedownCause | None = None


def issue_takedown_receipt(key: SigningKey, request: TakedownRequest) -> str:
    """Sign a receipt recording the moment a publication stopped being served."""
    claims: dict[str, Any] = {
        "iss": request.issuer,
        "iat": int(request.taken_down_at.timestamp()),
        "jti": str(uuid.uuid4()),
        "sub": request.publication_id,
        "testimony_id": request.testimony_id,
        "taken_down_at": format_instant(request.taken_down_at),
        "reason": request.reason.value,
        "consent_version": request.consent_version,
        "consent_versions": list(request.consent_versions),
    }
    if request.cause is not None:
        claims["caused_by"] = {
            "record_id": request.cause.record_id,
            "event": request.cause.event.value,
            "consent_version": request.cause.consent_version,
        }
    return sign_document(key, claims, TAKEDOWN_RECEIPT_TYPE)


def read_takedown_receipt(token: str, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """Verify a takedown receipt and return what it states.

    Receipts signed before `consent_versions` and `caused_by` existed lack them; readers must treat both as optional.
    """
    return verify_document(token, public_key, TAKEDOWN_RECEIPT_TYPE)
