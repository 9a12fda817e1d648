"""The consent history: an append-only chain of events, each hash binding the one before it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.testimony.consent.domain import (
    Attribution,
    ConsentEventKind,
    ConsentMethod,
    ConsentTerms,
    Purpose,
    PurposeConditions,
    require_aware,
    terms_within,
)
from services.testimony.consent.errors import (
    ConsentChainBroken,
    ConsentNotNarrower,
    ConsentRenewalChangedTerms,
    ConsentTermsInvalid,
    ConsentTransitionRefused,
)
from shared.chain import GENESIS_HASH, ChainFormat, Link

# The consent history's links: no domain tag and these field names, as its stored hashes were made.
CONSENT_CHAIN = ChainFormat(domain=b"", position_field="sequence", previous_field="previous_hash")


@dataclass(frozen=True)
class ConsentEvent:
    """One change to a consent: the terms after it (none once withdrawn) and when it happened."""

    kind: ConsentEventKind
    occurred_at: datetime
    terms: ConsentTerms | None = None

    def __post_init__(self) -> None:
        require_aware(self.occurred_at, "occurred_at")
        if (self.kind is ConsentEventKind.WITHDRAWN) != (self.terms is None):
            raise ConsentTermsInvalid("a withdrawal carries no terms and every other change carries them")


@dataclass(frozen=True)
class ConsentVersion:
    """Names one state of a consent: its position in the history and the hash that seals it."""

    sequence: int
    event_hash: str

    def __str__(self) -> str:
        return f"{self.sequence}:{self.event_hash}"


@dataclass(frozen=True)
class ChainedConsentEvent:
    """An event as stored: its record, position, the previous link's hash and its own hash."""

    record_id: str
    sequence: int
    event: ConsentEvent
    previous_hash: str
    event_hash: str

    @property
    def version(self) -> ConsentVersion:
        """The consent version this event produced."""
        return ConsentVersion(self.sequence, self.event_hash)


@dataclass(frozen=True)
class ConsentState:
    """What a history amounts to after its last event."""

    terms: ConsentTerms | None
    withdrawn_at: datetime | None
    version: ConsentVersion | None

    @property
    def is_active(self) -> bool:
        """True while some terms are in force (given and not withdrawn)."""
        return self.terms is not None


def format_instant(moment: datetime) -> str:
    """Render a moment as UTC ISO 8601 with microseconds, so equal instants always hash alike."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    """Read a moment written by `format_instant`."""
    return require_aware(datetime.fromisoformat(text), "instant")


def _optional_instant(moment: datetime | None) -> str | None:
    return None if moment is None else format_instant(moment)


def serialize_terms(terms: ConsentTerms) -> dict[str, Any]:
    """Turn terms into plain JSON values."""
    return {
        "notice_version": terms.notice_version,
        "method": terms.method.value,
        "grants": {
            purpose.value: {
                "attribution": conditions.attribution.value,
                "face_obscured": conditions.face_obscured,
                "voice_obscured": conditions.voice_obscured,
                "embargo_until": _optional_instant(conditions.embargo_until),
                "expires_at": _optional_instant(conditions.expires_at),
                "approval_required": conditions.approval_required,
            }
            for purpose, conditions in sorted(terms.grants.items())
        },
    }


def deserialize_terms(payload: Mapping[str, Any]) -> ConsentTerms:
    """Rebuild terms from the JSON values `serialize_terms` produced."""
    grants: dict[Purpose, PurposeConditions] = {}
    for purpose, raw in payload["grants"].items():
        embargo, expiry = raw["embargo_until"], raw["expires_at"]
        grants[Purpose(purpose)] = PurposeConditions(
            attribution=Attribution(raw["attribution"]),
            face_obscured=bool(raw["face_obscured"]),
            voice_obscured=bool(raw["voice_obscured"]),
            embargo_until=None if embargo is None else parse_instant(embargo),
            expires_at=None if expiry is None else parse_instant(expiry),
            approval_required=bool(raw["approval_required"]),
        )
    return ConsentTerms(
        grants=grants,
        notice_version=str(payload["notice_version"]),
        method=ConsentMethod(payload["method"]),
    )


def serialize_event(event: ConsentEvent) -> dict[str, Any]:
    """Turn an event into plain JSON values, the form that is hashed and stored."""
    return {
        "kind": event.kind.value,
        "occurred_at": format_instant(event.occurred_at),
        "terms": None if event.terms is None else serialize_terms(event.terms),
    }


def deserialize_event(payload: Mapping[str, Any]) -> ConsentEvent:
    """Rebuild an event from the JSON values `serialize_event` produced."""
    terms = payload["terms"]
    return ConsentEvent(
        kind=ConsentEventKind(payload["kind"]),
        occurred_at=parse_instant(payload["occurred_at"]),
        terms=None if terms is None else deserialize_terms(terms),
    )


def hash_event(record_id: str, sequence: int, previous_hash: str, event: ConsentEvent) -> str:
    """Compute the SHA-256 that seals one event to its record, position and predecessor."""
    return CONSENT_CHAIN.link_hash(sequence, previous_hash, _content(record_id, event))


def _content(record_id: str, event: ConsentEvent) -> dict[str, Any]:
    return {"record_id": record_id, "event": serialize_event(event)}


def _links(record_id: str, chain: Sequence[ChainedConsentEvent]) -> Iterator[Link]:
    for position, link in enumerate(chain, start=1):
        if link.record_id != record_id:
            raise ConsentChainBroken(f"event {position} belongs to another consent record")
        yield Link(link.sequence, link.previous_hash, link.event_hash, _content(record_id, link.event))


def verify_chain(record_id: str, chain: Sequence[ChainedConsentEvent]) -> None:
    """Raise ConsentChainBroken unless every link is in place, in order, and unaltered."""
    broken = CONSENT_CHAIN.first_break(_links(record_id, chain))
    if broken is not None:
        raise ConsentChainBroken(broken.describe("event"))


def fold_state(chain: Sequence[ChainedConsentEvent]) -> ConsentState:
    """Compute the state a history leads to, without checking its hashes."""
    state = ConsentState(terms=None, withdrawn_at=None, version=None)
    for link in chain:
        withdrawn_at = link.event.occurred_at if link.event.kind is ConsentEventKind.WITHDRAWN else None
        state = ConsentState(terms=link.event.terms, withdrawn_at=withdrawn_at, version=link.version)
    return state


def current_state(record_id: str, chain: Sequence[ChainedConsentEvent]) -> ConsentState:
    """Verify a history and return the state it leads to."""
    verify_chain(record_id, chain)
    return fold_state(chain)


def _check_renewal(new: ConsentTerms, old: ConsentTerms) -> None:
    if set(new.grants) != set(old.grants):
        raise ConsentRenewalChangedTerms("a renewal keeps the same purposes")
    for purpose, conditions in new.grants.items():
        before = old.grants[purpose]
        if (
            conditions.attribution is not before.attribution
            or conditions.face_obscured != before.face_obscured
            or conditions.voice_obscured != before.voice_obscured
            or conditions.approval_required != before.approval_required
            or conditions.embargo_until != before.embargo_until
        ):
            raise ConsentRenewalChangedTerms(f"a renewal keeps the conditions of {purpose.value}")
        shortened = conditions.expires_at is not None and (
            before.expires_at is None or conditions.expires_at < before.expires_at
        )
        if shortened:
            raise ConsentRenewalChangedTerms(f"a renewal cannot shorten {purpose.value}; narrow it instead")


def check_transition(state: ConsentState, event: ConsentEvent, last_at: datetime | None) -> None:
    """Raise ConsentTransitionRefused unless `event` may follow a consent in `state`."""
    if last_at is not None and event.occurred_at < last_at:
        raise ConsentTransitionRefused("a consent event cannot predate the one before it")
    kind = event.kind
    if kind is ConsentEventKind.GIVEN:
        if state.is_active:
            raise ConsentTransitionRefused("consent is already given; narrow or renew it instead")
        return
    if state.terms is None:
        raise ConsentTransitionRefused(f"there is no consent in force to be {kind.value}")
    if event.terms is None:
        return
    if kind is ConsentEventKind.NARROWED:
        if event.terms.grants == state.terms.grants or not terms_within(event.terms, state.terms):
            raise ConsentNotNarrower("a narrowing must allow strictly less than the consent in force")
    elif kind is ConsentEventKind.RENEWED:
        _check_renewal(event.terms, state.terms)


def append_event(record_id: str, chain: Sequence[ChainedConsentEvent], event: ConsentEvent) -> ChainedConsentEvent:
    """Verify the history, check that `event` may follow it, and return the new sealed link."""
    state = current_state(record_id, chain)
    last_at = chain[-1].event.occurred_at if chain else None
    check_transition(state, event, last_at)
    sequence = len(chain) + 1
    previous_hash = chain[-1].event_hash if chain else GENESIS_HASH
    return ChainedConsentEvent(
        record_id=record_id,
        sequence=sequence,
        event=event,
        previous_hash=previous_hash,
        event_hash=hash_event(record_id, sequence, previous_hash, event),
    )
